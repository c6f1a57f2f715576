# syntax=docker/dockerfile:1.7
# Grades service image: gRPC server, roster consumer and migrations, one image.
# Build from the repository root:
#   docker build -f deploy/docker/grades.Dockerfile -t school/grades:dev .

############################ build: contracts and wheels ############################
FROM python:3.11.14-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY constraints.txt ./
# grpcio-tools is a build tool only; it never reaches the runtime stage.
RUN pip install --no-cache-dir grpcio-tools==1.85.1

# Generate the Python contracts from protos/ (the generated code is never committed).
COPY protos/ protos/
WORKDIR /src/protos
RUN rm -rf python && mkdir python \
 && find school -name '*.proto' -print0 | sort -z \
    | xargs -0 python -m grpc_tools.protoc -I. --python_out=python --grpc_python_out=python --pyi_out=python \
 && touch python/py.typed

WORKDIR /src
COPY libs/schoolkit/ libs/schoolkit/
COPY services/grades/ services/grades/
# One wheel per local package plus every third-party dependency, pinned by constraints.txt.
RUN pip wheel --no-cache-dir -c constraints.txt --wheel-dir /wheels \
      ./protos ./libs/schoolkit ./services/grades

############################ runtime: wheels only ############################
FROM python:3.11.14-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRPC_BIND=0.0.0.0:50053 \
    METRICS_PORT=9100 \
    LOG_LEVEL=INFO

# A fixed numeric uid/gid so Kubernetes can check runAsNonRoot and volumes can be owned by it.
# The key directories and the records archive are created here so that fresh named volumes mounted
# on them inherit this ownership (the key files themselves are mounted at run time, never baked in).
RUN groupadd --system --gid 10001 school \
 && useradd --system --uid 10001 --gid school --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin school \
 && install -d -o school -g school -m 0755 /var/lib/school /etc/school/keys/public \
 && install -d -o school -g school -m 0700 /etc/school/keys/private /var/lib/school/records-archive

# The records' PDFs embed DejaVu Serif (RECORDS_FONT_DIR), which covers Vietnamese.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-6 \
 && rm -rf /var/lib/apt/lists/*

# Install from the build stage's wheels only: no compiler, no index, no source tree in the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels /wheels/school_grades-*.whl

COPY --chmod=0755 deploy/docker/healthcheck.py /usr/local/bin/school-healthcheck

USER 10001:10001
WORKDIR /var/lib/school
EXPOSE 50053 9100

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["school-healthcheck", "grpc"]

ENTRYPOINT ["python", "-m", "school_grades"]
CMD ["serve"]
