# syntax=docker/dockerfile:1.7
# Gateway image: Flask app under gunicorn (pages, JSON API, plugins), port 8000.
# Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t school/gateway:dev .

############################ build: contracts, catalogues and wheels ############################
FROM python:3.11.14-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY constraints.txt ./
# Build tools only; neither reaches the runtime stage.
RUN pip install --no-cache-dir grpcio-tools==1.85.1 Babel==2.19.0

COPY protos/ protos/
WORKDIR /src/protos
RUN rm -rf python && mkdir python \
 && find school -name '*.proto' -print0 | sort -z \
    | xargs -0 python -m grpc_tools.protoc -I. --python_out=python --grpc_python_out=python --pyi_out=python \
 && touch python/py.typed

WORKDIR /src
COPY libs/schoolkit/ libs/schoolkit/
COPY gateway/ gateway/
# Compiled message catalogues (*.mo) are build output, not sources: compile them before the wheel.
RUN if [ -d gateway/src/school_gateway/translations ]; then \
      pybabel -q compile -d gateway/src/school_gateway/translations -D messages; \
    fi \
 && pip wheel --no-cache-dir -c constraints.txt --wheel-dir /wheels ./protos ./libs/schoolkit ./gateway

############################ runtime: wheels only ############################
FROM python:3.11.14-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GATEWAY_BIND=0.0.0.0:8000 \
    GATEWAY_PLUGINS=core,students,grades,staff,access \
    SESSION_COOKIE_SECURE=true \
    LOG_LEVEL=INFO

RUN groupadd --system --gid 10001 school \
 && useradd --system --uid 10001 --gid school --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin school \
 && install -d -o school -g school -m 0755 /var/lib/school \
 && install -d -o school -g school -m 0700 /etc/school/keys/private

RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels /wheels/school_gateway-*.whl

# gunicorn's settings live beside the package, not in it: ship them as a plain file.
COPY gateway/gunicorn.conf.py /etc/school/gunicorn.conf.py
COPY --chmod=0755 deploy/docker/healthcheck.py /usr/local/bin/school-healthcheck

USER 10001:10001
WORKDIR /var/lib/school
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["school-healthcheck", "gateway"]

CMD ["gunicorn", "-c", "/etc/school/gunicorn.conf.py", "school_gateway.app:create_app()"]
