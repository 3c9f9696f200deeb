"""Alerts: rules evaluated after every stored snapshot, events kept, webhooks delivered.

    from tracker.alerts.cycle import process_cycle, deliver_pending
    from tracker.alerts.sample import send_test

Nothing is imported here: a caller imports the module it uses, so loading one (say the events'
shape) does not load the evaluation code. The rule models are configuration
(tracker/config/alerts.py, tracker/config/when.py).
"""
