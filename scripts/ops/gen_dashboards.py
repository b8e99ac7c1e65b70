#!/usr/bin/env python3
"""Generates the Grafana dashboards in deploy/grafana/dashboards/ (provisioned as JSON).

Dashboards are written by this script rather than by hand so that every query is in one
reviewable place and uses only metric names from docs/metrics.md (scripts/ops/check_alerts.py
checks that). `--check` fails when the committed JSON differs from what this script writes.

    python3 scripts/ops/gen_dashboards.py           # rewrite the JSON files
    python3 scripts/ops/gen_dashboards.py --check   # CI: committed files are up to date
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "deploy", "grafana", "dashboards")
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
# Read-only PostgreSQL datasources (deploy/grafana/provisioning/datasources/, role created by
# deploy/postgres/20-grafana-reader.sh): per-company and per-period views, which metrics
# cannot carry (a company or period label would be unbounded). Checked against the real
# schema by scripts/ops/test_grafana_sql.sh.
SII_DB = {"type": "grafana-postgresql-datasource", "uid": "ofitec-sii-gateway-db"}
F29_DB = {"type": "grafana-postgresql-datasource", "uid": "ofitec-f29-engine-db"}


class Board:
    def __init__(self, uid, title, description):
        self.uid, self.title, self.description = uid, title, description
        self.panels = []
        self.x = self.y = 0
        self.row_h = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_h
            self.row_h = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y = 0, self.y + self.row_h
        self.panels.append({"type": "row", "title": title, "collapsed": False, "panels": [],
                            "id": len(self.panels) + 1, "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}})
        self.y += 1
        self.row_h = 0

    def graph(self, title, targets, unit="short", w=12, h=8, description="", stack=False):
        self.panels.append({
            "id": len(self.panels) + 1, "type": "timeseries", "title": title, "description": description,
            "datasource": DATASOURCE, "gridPos": self._place(w, h),
            "targets": [{"refId": chr(65 + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                        for i, (expr, legend) in enumerate(targets)],
            "fieldConfig": {"defaults": {"unit": unit, "custom": {
                "fillOpacity": 10, "lineWidth": 1, "showPoints": "never",
                "stacking": {"mode": "normal" if stack else "none", "group": "A"}}}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
        })

    def stat(self, title, expr, legend="", unit="short", w=6, h=4, thresholds=None, description=""):
        steps = thresholds or [{"color": "green", "value": None}]
        self.panels.append({
            "id": len(self.panels) + 1, "type": "stat", "title": title, "description": description,
            "datasource": DATASOURCE, "gridPos": self._place(w, h),
            "targets": [{"refId": "A", "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}],
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
                            "overrides": []},
            "options": {"colorMode": "background", "graphMode": "none", "justifyMode": "auto",
                        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "textMode": "value_and_name"},
        })

    def table(self, title, expr, w=12, h=8, description=""):
        self.panels.append({
            "id": len(self.panels) + 1, "type": "table", "title": title, "description": description,
            "datasource": DATASOURCE, "gridPos": self._place(w, h),
            "targets": [{"refId": "A", "datasource": DATASOURCE, "expr": expr, "format": "table", "instant": True}],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"showHeader": True},
            "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
        })

    def sql_table(self, title, datasource, sql, w=12, h=8, description=""):
        self.panels.append({
            "id": len(self.panels) + 1, "type": "table", "title": title, "description": description,
            "datasource": datasource, "gridPos": self._place(w, h),
            "targets": [{"refId": "A", "datasource": datasource, "editorMode": "code", "format": "table",
                         "rawQuery": True, "rawSql": " ".join(sql.split())}],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"showHeader": True},
        })

    def sql_graph(self, title, datasource, sql, unit="short", w=12, h=8, description="", stack=False):
        self.panels.append({
            "id": len(self.panels) + 1, "type": "timeseries", "title": title, "description": description,
            "datasource": datasource, "gridPos": self._place(w, h),
            "targets": [{"refId": "A", "datasource": datasource, "editorMode": "code", "format": "time_series",
                         "rawQuery": True, "rawSql": " ".join(sql.split())}],
            "fieldConfig": {"defaults": {"unit": unit, "custom": {
                "drawStyle": "bars", "fillOpacity": 60, "lineWidth": 1, "showPoints": "never",
                "stacking": {"mode": "normal" if stack else "none", "group": "A"}}}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
        })

    def text(self, title, markdown, w=24, h=4):
        self.panels.append({"id": len(self.panels) + 1, "type": "text", "title": title,
                            "gridPos": self._place(w, h), "options": {"mode": "markdown", "content": markdown}})

    def json(self):
        return {
            "uid": self.uid, "title": self.title, "description": self.description, "tags": ["ofitec"],
            "timezone": "browser", "schemaVersion": 39, "version": 1, "editable": True,
            "graphTooltip": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
            "annotations": {"list": []}, "templating": {"list": []}, "links": [
                {"title": "Runbooks", "type": "link", "url": "https://github.com/ofitec/ofitec/tree/main/docs/operations",
                 "targetBlank": True}],
            "panels": self.panels,
        }


RED_ALERT = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
UP = [{"color": "red", "value": None}, {"color": "green", "value": 1}]


def red():
    b = Board("ofitec-red", "OFITEC / Services (RED)",
              "Rate, errors and duration of edge-api and the internal gRPC services.")
    b.row("edge-api (the public door)")
    b.graph("Requests by route", [('sum by (route) (rate(http_server_requests_total{job="edge-api"}[5m]))', "{{route}}")], "reqps")
    b.graph("5xx ratio (health checks excluded)", [(
        'sum(rate(http_server_requests_total{job="edge-api", status=~"5..", route!="/api/health"}[5m]))'
        ' / sum(rate(http_server_requests_total{job="edge-api", route!="/api/health"}[5m]))', "5xx ratio")],
        "percentunit", description="EdgeErrorRatioHigh pages above 5 %.")
    b.graph("Latency p50 / p95 / p99 (SSE excluded)", [
        (f'histogram_quantile({q}, sum by (le) (rate(http_server_request_duration_seconds_bucket{{job="edge-api", route!~".*/events.*"}}[5m])))', f"p{int(q * 100)}")
        for q in (0.5, 0.95, 0.99)], "s", description="EdgeLatencyHigh warns when p95 > 1 s for 10 min.")
    b.graph("Errors by route and status", [(
        'sum by (route, status) (rate(http_server_requests_total{job="edge-api", status=~"[45].."}[5m]))', "{{status}} {{route}}")], "reqps")
    b.graph("Traffic per colour (Traefik)", [(
        'sum by (service) (rate(traefik_service_requests_total{service=~"edge-(blue|green)@file"}[1m]))', "{{service}}")],
        "reqps", description="Blue/green weights in action: the live colour carries the traffic.")
    b.graph("Internal services as edge-api sees them", [('upstream_up{job="edge-api"}', "{{service}} ({{instance}})")], "short")
    b.row("Internal gRPC services")
    b.graph("Calls by service and method", [(
        'sum by (job, grpc_method) (rate(grpc_server_handled_total[5m]))', "{{job}} {{grpc_method}}")], "reqps")
    b.graph("Error ratio by service (grpc_code != OK)", [(
        'sum by (job) (rate(grpc_server_handled_total{grpc_code!="OK"}[5m])) / sum by (job) (rate(grpc_server_handled_total[5m]))', "{{job}}")],
        "percentunit")
    b.graph("Latency p95 by service", [(
        'histogram_quantile(0.95, sum by (job, le) (rate(grpc_server_handling_seconds_bucket[5m])))', "{{job}}")], "s")
    b.graph("Ready (database reachable)", [('service_ready', "{{job}} {{instance}}")], "short",
            description="0 = NOT_SERVING: DatabaseUnreachable pages after 2 minutes.")
    b.graph("Resident memory", [('process_resident_memory_bytes{job=~"edge-api|sii-gateway|f29-engine|backup-agent"}', "{{job}} {{instance}}")], "bytes")
    b.graph("CPU", [('rate(process_cpu_seconds_total{job=~"edge-api|sii-gateway|f29-engine|backup-agent"}[5m])', "{{job}} {{instance}}")], "percentunit")
    b.stat("Targets down", 'count(up{job=~"edge-api|sii-gateway|f29-engine|backup-agent"} == 0) or vector(0)', unit="short", thresholds=RED_ALERT)
    b.stat("Public /api/health probe", 'min(probe_success{job="blackbox-edge-health"})', thresholds=UP)
    return b


def imports():
    b = Board("ofitec-imports", "OFITEC / Imports",
              "RCV imports through RabbitMQ: queue depth, jobs, documents per second, failures.")
    b.stat("Queue rcv.import", 'max(import_queue_depth{queue="rcv.import"})',
           thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 100}])
    b.stat("Dead letters", 'max(import_queue_depth{queue="rcv.import.dead"})', thresholds=RED_ALERT)
    b.stat("Jobs running", 'sum(import_jobs{status="running"})')
    b.stat("sii-gateway replicas", 'count(up{job="sii-gateway"} == 1)')
    b.graph("Queue depth", [('max by (queue) (import_queue_depth)', "{{queue}}")], "short",
            description="ImportQueueBacklogGrowing warns above 100 and growing for 15 min; scale sii-gateway (KEDA does in Kubernetes).")
    b.graph("Jobs by status (database)", [('sum by (status) (import_jobs)', "{{status}}")], "short", stack=True)
    b.graph("Documents stored per second", [('sum by (operation) (rate(import_documents_total[5m]))', "{{operation}}")], "ops")
    b.graph("Jobs finished per minute by status", [('sum by (status) (rate(import_jobs_finished_total[5m])) * 60', "{{status}}")], "short")
    b.graph("Retries and dead letters per minute", [
        ('sum(rate(import_retries_total[5m])) * 60', "retries"),
        ('sum(rate(import_dead_letters_total[5m])) * 60', "dead letters")], "short")
    b.graph("Job duration p50 / p95", [
        (f'histogram_quantile({q}, sum by (le) (rate(import_job_duration_seconds_bucket[15m])))', f"p{int(q * 100)}")
        for q in (0.5, 0.95)], "s")
    b.graph("RabbitMQ messages ready / unacked (broker view)", [
        ('sum by (queue) (rabbitmq_detailed_queue_messages_ready{queue=~"rcv\\\\.import.*"})', "ready {{queue}}"),
        ('sum by (queue) (rabbitmq_detailed_queue_messages_unacked{queue=~"rcv\\\\.import.*"})', "unacked {{queue}}")], "short")
    b.graph("Consumers per queue (broker view)", [
        ('sum by (queue) (rabbitmq_detailed_queue_consumers{queue=~"rcv\\\\.import.*"})', "{{queue}}")], "short")
    return b


def sii():
    b = Board("ofitec-sii", "OFITEC / SII",
              "Calls to SII by outcome, latency, tokens and the company certificate.")
    b.stat("Certificate days left", 'min by (environment) (sii_certificate_expiry_timestamp_seconds - time()) / 86400',
           legend="{{environment}}", unit="d", w=8,
           thresholds=[{"color": "red", "value": None}, {"color": "orange", "value": 7}, {"color": "green", "value": 30}])
    b.stat("SII error ratio (10 min)", 'sum(rate(sii_requests_total{outcome!~"ok|empty"}[10m])) / sum(rate(sii_requests_total[10m]))',
           unit="percentunit", w=8,
           thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.2}, {"color": "red", "value": 0.5}])
    b.stat("Token refreshes (24 h)", 'sum(increase(sii_token_refreshes_total[24h]))', w=8)
    b.graph("Calls by outcome", [('sum by (outcome) (rate(sii_requests_total[5m]))', "{{outcome}}")], "reqps", stack=True)
    b.graph("Calls by call", [('sum by (call) (rate(sii_requests_total[5m]))', "{{call}}")], "reqps")
    b.graph("Latency p95 by call", [(
        'histogram_quantile(0.95, sum by (call, le) (rate(sii_request_duration_seconds_bucket[5m])))', "{{call}}")], "s")
    b.graph("Token refreshes by reason", [('sum by (reason) (increase(sii_token_refreshes_total[1h]))', "{{reason}}")], "short")
    return b


def backups():
    b = Board("ofitec-backups", "OFITEC / Backups",
              "3-2-1 backups: age of the last success per repository, runs, sizes, checks and restore drills (RTO).")
    b.table("Hours since last success (plan, repository)",
            '(time() - backup_last_success_timestamp_seconds) / 3600',
            description="BackupNotSuccessful pages after the plan's alert_after_hours (26 h by default, 64 h for business-hours); "
                        "BackupOffsiteCopyStale warns when one repository lags that + 10 h.")
    b.table("Days since last restore drill (plan)",
            '(time() - backup_restore_drill_last_success_timestamp_seconds) / 86400',
            description="RestoreDrillOverdue warns after 35 days.")
    b.stat("Last drill duration (measured RTO)", 'max by (plan) (backup_restore_drill_duration_seconds)',
           legend="{{plan}}", unit="s", w=8)
    b.stat("Plans degraded", 'sum(backup_plan_degraded) or vector(0)', w=8, thresholds=RED_ALERT)
    b.stat("Tools missing", 'sum(backup_tool_missing) or vector(0)', w=8, thresholds=RED_ALERT)
    b.graph("Runs by result (per hour)", [('sum by (plan, result) (increase(backup_runs_total[1h]))', "{{plan}} {{result}}")], "short")
    b.graph("Run duration p95", [(
        'histogram_quantile(0.95, sum by (plan, le) (rate(backup_duration_seconds_bucket[1d])))', "{{plan}}")], "s")
    b.graph("Size of the last run", [('backup_size_bytes', "{{plan}}")], "bytes")
    b.graph("Repository reachable", [('backup_repository_up', "{{plan}} {{repository}}")], "short")
    b.graph("Hours since last successful check", [(
        '(time() - backup_check_last_success_timestamp_seconds) / 3600', "{{plan}} {{repository}}")], "h")
    return b


def business():
    b = Board("ofitec-business", "OFITEC / Business",
              "What the platform produces: documents imported, F29 declarations by status, computations.")
    b.row("Platform totals (Prometheus)")
    b.stat("Documents imported (24 h)", 'sum(increase(import_documents_total[24h]))', w=6)
    b.stat("Import jobs succeeded (24 h)", 'sum(increase(import_jobs_finished_total{status="succeeded"}[24h]))', w=6)
    b.stat("F29 computations (24 h)", 'sum(increase(f29_computations_total{result="ok"}[24h]))', w=6)
    b.stat("Declarations sent or paid", 'sum(f29_declarations{status=~"sent|paid"})', w=6)
    b.graph("Documents imported per hour by operation", [
        ('sum by (operation) (increase(import_documents_total[1h]))', "{{operation}}")], "short", stack=True)
    b.graph("F29 declarations by status", [('sum by (status) (f29_declarations)', "{{status}}")], "short", stack=True)
    b.graph("F29 computations by result", [('sum by (result) (increase(f29_computations_total[1h]))', "{{result}}")], "short")
    b.graph("Documents no F29 mapping covers, by DTE type", [
        ('sum by (tipo_dte) (increase(f29_unmapped_documents_total[1d]))', "DTE {{tipo_dte}}")], "short")
    # Per company and per period: from the services' databases through the read-only role
    # (a company or period label on a metric would be unbounded).
    b.row("Per company and per period (read-only database views)")
    b.sql_table("Documents imported per company (time range)", SII_DB, """
        SELECT company AS "Company",
               sum(documents_stored) FILTER (WHERE operation = 'compra') AS "Purchases stored",
               sum(documents_stored) FILTER (WHERE operation = 'venta') AS "Sales stored",
               sum(documents_stored) AS "Documents stored",
               count(*) FILTER (WHERE status = 'succeeded') AS "Jobs succeeded",
               count(*) FILTER (WHERE status IN ('failed', 'dead')) AS "Jobs failed",
               max(finished_at) AS "Last import"
        FROM import_jobs
        WHERE finished_at IS NOT NULL AND $__timeFilter(finished_at)
        GROUP BY company
        ORDER BY "Documents stored" DESC NULLS LAST
        LIMIT 200""", description="Documents stored (inserted or changed) by finished import jobs, per company RUT.")
    b.sql_graph("Documents imported per day, top 10 companies", SII_DB, """
        SELECT $__timeGroupAlias(finished_at, 1d), company AS metric, sum(documents_stored) AS value
        FROM import_jobs
        WHERE finished_at IS NOT NULL AND $__timeFilter(finished_at)
          AND company IN (SELECT company FROM import_jobs
                          WHERE finished_at IS NOT NULL AND $__timeFilter(finished_at)
                          GROUP BY company ORDER BY sum(documents_stored) DESC LIMIT 10)
        GROUP BY 1, 2
        ORDER BY 1""", stack=True)
    b.sql_table("F29 status per period", F29_DB, """
        SELECT period AS "Period",
               count(*) FILTER (WHERE status = 'draft') AS "Draft",
               count(*) FILTER (WHERE status = 'ready') AS "Ready",
               count(*) FILTER (WHERE status = 'sent') AS "Sent",
               count(*) FILTER (WHERE status = 'paid') AS "Paid",
               count(*) AS "Companies"
        FROM declarations
        GROUP BY period
        ORDER BY period DESC
        LIMIT 36""", description="Declarations by status for each tax period (one row per period, all companies).")
    b.sql_table("F29 declarations not yet sent (past periods)", F29_DB, """
        SELECT company AS "Company", period AS "Period", status AS "Status", updated_at AS "Last change"
        FROM declarations
        WHERE status IN ('draft', 'ready') AND period < to_char(now(), 'YYYY-MM')
        ORDER BY period, company
        LIMIT 200""", description="Past periods whose declaration is still draft or ready: the F29 may be late.")
    return b


BOARDS = [red, imports, sii, backups, business]


def render():
    return {f"{f.__name__}.json": json.dumps(f().json(), indent=2, ensure_ascii=False) + "\n" for f in BOARDS}


def main(argv):
    files = render()
    if "--check" in argv:
        stale = [n for n, text in files.items()
                 if not os.path.exists(os.path.join(OUT, n)) or open(os.path.join(OUT, n), encoding="utf-8").read() != text]
        extra = sorted(set(n for n in os.listdir(OUT) if n.endswith(".json")) - set(files)) if os.path.isdir(OUT) else []
        for n in stale:
            print(f"dashboards: {n} differs from scripts/ops/gen_dashboards.py output (run it and commit)")
        for n in extra:
            print(f"dashboards: {n} is not generated by scripts/ops/gen_dashboards.py")
        print(f"dashboards: {len(files)} checked, {len(stale) + len(extra)} out of date")
        return 1 if stale or extra else 0
    os.makedirs(OUT, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote deploy/grafana/dashboards/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
