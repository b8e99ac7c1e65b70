#!/usr/bin/env python3
"""Cross-references in rendered Kubernetes manifests (the output of `kustomize build`).

kubernetes-validate checks each object against its schema, and only warns for CRDs
(KEDA, Traefik). This checks what no schema can: that objects point at each other
correctly, and the operational promises of issue 8.

  * every Deployment has resources, a readiness probe, runs as non-root; gRPC services use
    native `grpc:` probes and edge-api an HTTP readiness probe;
  * sii-gateway's terminationGracePeriodSeconds exceeds the longest import job (15 min);
  * HPA / ScaledObject / PDB / Service / NetworkPolicy selectors and targets exist;
  * the KEDA trigger scales on RabbitMQ queue rcv.import and its TriggerAuthentication exists;
  * the TraefikService weighs existing Services and the IngressRoute uses it;
  * no Service other than ClusterIP (the outside door is Traefik's entrypoint);
  * every Secret and ConfigMap a pod references is either generated here or documented as
    created out of band (SECRETS below, see deploy/k8s/base/secrets.md).

Usage: check_k8s.py RENDERED.yaml [...]
"""

import sys

import yaml

LONGEST_IMPORT_JOB_S = 15 * 60
SECRETS = {"sii-gateway-db", "f29-engine-db", "backup-agent-db", "rabbitmq-app", "rabbitmq-keda",
           "restic-repository", "backup-offsite"}


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check(path):
    findings = []
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments = by_kind.get("Deployment", {})
    services = by_kind.get("Service", {})
    configmaps = set(by_kind.get("ConfigMap", {}))
    pod_labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}

    def err(msg):
        findings.append(f"{path}: {msg}")

    for name, d in deployments.items():
        spec = d["spec"]["template"]["spec"]
        if not matches(d["spec"]["selector"]["matchLabels"], pod_labels[name]):
            err(f"Deployment {name}: selector does not match its pod labels")
        if not spec.get("securityContext", {}).get("runAsNonRoot"):
            err(f"Deployment {name}: not runAsNonRoot")
        for c in spec["containers"]:
            if not c.get("resources", {}).get("limits") or not c.get("resources", {}).get("requests"):
                err(f"Deployment {name}: container {c['name']} has no requests/limits")
            probe = c.get("readinessProbe") or {}
            if name.startswith("edge-api"):
                if probe.get("httpGet", {}).get("path") != "/api/health":
                    err(f"Deployment {name}: readiness must be HTTP /api/health")
            elif "grpc" not in probe:
                err(f"Deployment {name}: readiness must be a native grpc probe")
            for env in c.get("env", []):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref["name"] not in SECRETS:
                    err(f"Deployment {name}: references undocumented Secret {ref['name']}")
            for src in c.get("envFrom", []):
                ref = src.get("configMapRef")
                if ref and ref["name"] not in configmaps:
                    err(f"Deployment {name}: envFrom ConfigMap {ref['name']} is not generated")
        for v in spec.get("volumes", []):
            if "configMap" in v and v["configMap"]["name"] not in configmaps:
                err(f"Deployment {name}: volume ConfigMap {v['configMap']['name']} does not exist")
            if "secret" in v and v["secret"]["secretName"] not in SECRETS:
                err(f"Deployment {name}: volume Secret {v['secret']['secretName']} is undocumented")
            for src in (v.get("projected") or {}).get("sources", []):
                if "secret" in src and src["secret"]["name"] not in SECRETS:
                    err(f"Deployment {name}: projected Secret {src['secret']['name']} is undocumented")
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in by_kind.get("PersistentVolumeClaim", {}):
                err(f"Deployment {name}: PVC {v['persistentVolumeClaim']['claimName']} does not exist")

    gw = deployments.get("sii-gateway")
    if not gw:
        err("no sii-gateway Deployment")
    elif gw["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30) <= LONGEST_IMPORT_JOB_S:
        err("sii-gateway: terminationGracePeriodSeconds must exceed the longest import job (15 min)")

    for name, s in services.items():
        if s["spec"].get("type", "ClusterIP") != "ClusterIP":
            err(f"Service {name}: type {s['spec']['type']} (only ClusterIP; Traefik is the door)")
        if not any(matches(s["spec"]["selector"], labels) for labels in pod_labels.values()):
            err(f"Service {name}: selector matches no Deployment")

    for name, h in by_kind.get("HorizontalPodAutoscaler", {}).items():
        if h["spec"]["scaleTargetRef"]["name"] not in deployments:
            err(f"HPA {name}: target {h['spec']['scaleTargetRef']['name']} does not exist")
    auths = by_kind.get("TriggerAuthentication", {})
    scaled = by_kind.get("ScaledObject", {})
    if "sii-gateway" not in scaled:
        err("no KEDA ScaledObject for sii-gateway")
    for name, so in scaled.items():
        if so["spec"]["scaleTargetRef"]["name"] not in deployments:
            err(f"ScaledObject {name}: target does not exist")
        for t in so["spec"]["triggers"]:
            if t["type"] == "rabbitmq":
                md = t["metadata"]
                if md.get("queueName") != "rcv.import" or md.get("mode") != "QueueLength":
                    err(f"ScaledObject {name}: must scale on QueueLength of rcv.import")
            ref = (t.get("authenticationRef") or {}).get("name")
            if ref and ref not in auths:
                err(f"ScaledObject {name}: TriggerAuthentication {ref} does not exist")
    for name, a in auths.items():
        for ref in a["spec"].get("secretTargetRef", []):
            if ref["name"] not in SECRETS:
                err(f"TriggerAuthentication {name}: undocumented Secret {ref['name']}")

    for name, p in by_kind.get("PodDisruptionBudget", {}).items():
        if not any(matches(p["spec"]["selector"]["matchLabels"], labels) for labels in pod_labels.values()):
            err(f"PDB {name}: selector matches no Deployment")
    for name, n in by_kind.get("NetworkPolicy", {}).items():
        sel = n["spec"]["podSelector"].get("matchLabels")
        if sel and not any(matches(sel, labels) for labels in pod_labels.values()):
            err(f"NetworkPolicy {name}: podSelector matches no Deployment")
    edge_in = by_kind.get("NetworkPolicy", {}).get("edge-api")
    if not edge_in:
        err("no NetworkPolicy for edge-api")
    for name, n in by_kind.get("NetworkPolicy", {}).items():
        if name in ("edge-api", "default-deny-all", "allow-dns"):
            continue
        for rule in n["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "traefik":
                    err(f"NetworkPolicy {name}: only edge-api may be reachable from the ingress")

    tservices = by_kind.get("TraefikService", {})
    for name, t in tservices.items():
        for s in t["spec"]["weighted"]["services"]:
            if s["name"] not in services:
                err(f"TraefikService {name}: Service {s['name']} does not exist")
    for name, r in by_kind.get("IngressRoute", {}).items():
        for route in r["spec"]["routes"]:
            for s in route["services"]:
                pool = tservices if s.get("kind") == "TraefikService" else services
                if s["name"] not in pool:
                    err(f"IngressRoute {name}: {s.get('kind', 'Service')} {s['name']} does not exist")
    print(f"{path}: {len(docs)} objects cross-checked, {len(findings)} problem(s)")
    return findings


def main(argv):
    findings = []
    for path in argv:
        findings += check(path)
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
