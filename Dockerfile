# apprank daemon image: `docker build -t apprank .`, then
#   docker run -d --name apprank -v apprank-data:/data \
#     -v "$PWD/config.toml:/etc/apprank/config.toml:ro" apprank
# The database lives in the /data volume (APPRANK_DATABASE_URL overrides the config's URL).
# See docs/service.md.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TZ=UTC \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib \
    MALLOC_ARENA_MAX=2 \
    APPRANK_CONFIG=/etc/apprank/config.toml \
    APPRANK_DATABASE_URL=sqlite:////data/apprank.db

WORKDIR /src
COPY pyproject.toml README.md ./
COPY constraints/docker.txt ./constraints/docker.txt
COPY tracker ./tracker
COPY scheduler ./scheduler
COPY charts ./charts
# The exact versions the suite passed with (constraints/docker.txt; refreshed by
# constraints/refresh-docker.sh), not whatever is newest on the day of the build. With the
# PostgreSQL driver: deploy/compose.yml runs this image against PostgreSQL.
RUN pip install -c constraints/docker.txt '.[postgres]' \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin apprank \
    && mkdir -p /data /etc/apprank \
    && chown apprank:apprank /data

USER apprank
WORKDIR /data
VOLUME ["/data"]

# Healthy while the daemon beats and every chart had a success within two of its slots (at
# least 2h). Give the first cycles time before judging (--start-period).
HEALTHCHECK --interval=60s --timeout=30s --start-period=5m --retries=3 \
    CMD ["apprank", "health"]

# Exec form: the daemon is PID 1 and gets SIGTERM itself (it installs its own handler).
STOPSIGNAL SIGTERM
CMD ["apprank", "run", "--log-format", "json"]
