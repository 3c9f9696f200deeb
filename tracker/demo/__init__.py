"""`apprank demo`: the simulator in a child process (`sim`), the pipeline run against it
(`pipeline`), and the output folder it owns (`folder`).
"""
