# The Janus WebRTC server for live classes' audio and video, from Debian's package,
# with the project's configuration (live/janus/conf, rendered by bin/janus).
#   docker build -f docker/janus.Dockerfile .
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends janus \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY bin/janus bin/janus
COPY live/janus/conf live/janus/conf
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/var/janus && chown app:app /app/var/janus
USER app
ENV JANUS_RUNTIME_DIR=/app/var/janus
CMD ["bin/janus"]
