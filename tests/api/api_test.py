#!/usr/bin/env python3
"""Black-box tests of `hqd serve`: the real binary on 127.0.0.1:0, spoken to over HTTP.

    api_test.py HQD SOURCE_DIR

Covers the permission matrix over the whole routes table, the report life cycle (submit, amend,
late, locked), traffic lights, period closing, attachments, limits and error bodies, login
throttling, logging hygiene and graceful shutdown. Prints "api_test: N passed, M failed".
"""
import http.client
import json
import urllib.parse
import os
import signal
import subprocess
import sys
import tempfile
import time

HQD, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="hqd-api-")
DB = os.path.join(TMP, "hqd.db")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args, stdin=None, env=None):
    return subprocess.run([HQD, *args, "--db", DB], input=stdin, capture_output=True, text=True,
                          env=env)


class Server:
    def __init__(self, now):
        env = dict(os.environ, HQD_NOW=now)
        self.log = open(os.path.join(TMP, "server.log"), "a")
        self.p = subprocess.Popen([HQD, "serve", "--db", DB, "--listen", "127.0.0.1:0"],
                                  stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.p.stdout.readline()
        if not line.startswith("listening on http://"):
            raise SystemExit("server did not start: " + line)
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=20)
        self.log.close()
        return rc


def req(srv, method, path, body=None, token=None, raw=None, ctype=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    h = dict(headers or {})
    data = None
    if raw is not None:
        data = raw
        h["Content-Type"] = ctype or "application/octet-stream"
    elif body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        h["Content-Type"] = ctype or "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    c.close()
    try:
        j = json.loads(payload)
    except ValueError:
        j = None
    return r.status, j, payload, r


def login(srv, name, pw):
    st, j, _, r = req(srv, "POST", "/api/v1/session", {"name": name, "password": pw})
    if st != 200:
        return None, st, j
    cookie = r.getheader("Set-Cookie")
    token = cookie.split(";")[0].split("=", 1)[1]
    return token, st, cookie


# ---------------------------------------------------------------- setup
r = run("plan", "import", os.path.join(SRC, "examples", "plan-2020-28.txt"))
assert r.returncode == 0, r.stderr
for f in ("entities.csv", "facts.csv", "contracts.csv"):
    r = run("entity", "import", os.path.join(SRC, "examples", f))
    assert r.returncode == 0, r.stderr
FIRM = "91410700MA44XW1K27"  # an enterprise of the example registry, with an enterprise account
USERS = {
    "admin1": ("admin", None), "office1": ("office", None), "leader1": ("leader", None),
    "kj": ("dept", "区科学技术局"), "rl": ("dept", "区人力资源部"), "jf": ("dept", "区经济发展局"),
    "ent1": ("enterprise", FIRM),
}
PW = "correct horse 42"
for name, (role, org) in USERS.items():
    flag = "--entity" if role == "enterprise" else "--dept"
    args = ["user", "add", name, "--role", role] + ([flag, org] if org else [])
    r = run(*args, stdin=PW + "\n")
    check(r.returncode == 0, "user add %s: %s" % (name, r.stderr))
r = run("user", "add", "bad", "--role", "dept", stdin=PW + "\n")
check(r.returncode == 2 and "--dept" in r.stderr, "dept account without --dept refused")
r = run("user", "add", "bad", "--role", "enterprise", "--entity", "914403001922038216", stdin=PW + "\n")
check(r.returncode == 2 and "914403001922038216" in r.stderr, "enterprise account for an unregistered USCC refused")

srv = Server("2020-05-06T02:00:00Z")  # in May, reporting April (deadline 2020-05-11)
tok = {}
for name in USERS:
    t, st, cookie = login(srv, name, PW)
    check(st == 200 and t and "HttpOnly" in cookie and "SameSite=Strict" in cookie,
          "login %s sets a strict HttpOnly cookie" % name)
    tok[name] = t

# ---------------------------------------------------------------- permission matrix
st, routes, _, _ = req(srv, "GET", "/api/v1/routes")
check(st == 200 and len(routes["routes"]) >= 20, "routes table served")
ROLE_USER = {"admin": "admin1", "office": "office1", "leader": "leader1", "dept": "kj",
             "enterprise": "ent1"}
FILL = {"{id}": "1", "{period}": "2019-01", "{name}": "nobody-here"}  # no side effects on April


def concrete(path):
    for k, v in FILL.items():
        path = path.replace(k, v)
    return path


matrix_checked = 0
for rt in routes["routes"]:
    path = concrete(rt["path"])
    method = rt["method"]
    if rt["path"] == "/api/v1/session" and method == "DELETE":
        continue  # checked below: it would end the session used by the matrix
    # Anonymous.
    st, j, _, _ = req(srv, method, path, body={} if method in ("POST", "PUT") else None)
    if rt["public"]:
        check(st not in (401, 403), "%s %s public, got %d" % (method, path, st))
    else:
        check(st == 401 and j["error"]["code"] == "unauthenticated",
              "%s %s anonymous -> 401, got %d" % (method, path, st))
    for role, user in ROLE_USER.items():
        # An empty JSON object: allowed roles get past the permission check and fail on fields.
        st, j, _, _ = req(srv, method, path, body={} if method in ("POST", "PUT") else None,
                          token=tok[user])
        if rt["public"] or role in rt["roles"]:
            check(st not in (401, 403) or (st == 403 and role in ("dept", "enterprise")),
                  "%s %s as %s allowed, got %d" % (method, path, role, st))
        else:
            check(st == 403 and j["error"]["code"] == "forbidden",
                  "%s %s as %s -> 403, got %d" % (method, path, role, st))
        matrix_checked += 1
check(matrix_checked >= 80, "matrix covered %d route×role pairs" % matrix_checked)

# ---------------------------------------------------------------- tasks and visibility
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&mine=1", token=tok["kj"])
check(st == 200 and j["total"] == 35, "区科学技术局 leads or cooperates on 35 tasks: %s" % j.get("total"))
lead = [t for t in j["tasks"] if t["my_role"] == "lead"]
co = [t for t in j["tasks"] if t["my_role"] == "co"]
check(len(lead) == 16 and len(co) == 19, "16 lead and 19 co tasks: %d %d" % (len(lead), len(co)))
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200", token=tok["kj"])
check(j["total"] == 37, "collective tasks are visible to every department: %d" % j["total"])
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200", token=tok["office1"])
check(j["total"] == 55 and j["period"] == "2020-04", "office sees 55 tasks, period 2020-04")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?dept=%E5%8C%BA%E7%BB%8F%E6%B5%8E%E5%8F%91%E5%B1%95%E5%B1%80&per_page=5", token=tok["leader1"])
check(st == 200 and j["total"] > 0 and len(j["tasks"]) == 5, "filter by department, paged")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?q=%E9%A6%96%E5%8F%B0", token=tok["leader1"])
check(st == 200 and j["total"] >= 1 and any("首台" in t["text"] for t in j["tasks"]), "search q=首台")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?light=purple", token=tok["leader1"])
check(st == 400 and j["error"]["field"] == "light", "bad light filter -> 400 naming the field")
# A section of the plan: its tasks and its sub-items' tasks, not a section whose path only
# starts with the same characters.
sec = urllib.parse.quote("二/(一)")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&section=" + sec, token=tok["leader1"])
paths = [t["path"] for t in j.get("tasks", [])]
check(st == 200 and paths and all(p == "二/(一)" or p.startswith("二/(一)/") for p in paths) and j["total"] == len(paths),
      "a section's tasks: %s" % paths)
st, j2, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&section=" + urllib.parse.quote("二"), token=tok["leader1"])
check(st == 200 and j2["total"] > j["total"] and all(t["path"].startswith("二/") or t["path"] == "二" for t in j2["tasks"]),
      "a whole part holds its sections: %d > %d" % (j2.get("total", 0), j.get("total", 0)))
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?page=0", token=tok["leader1"])
check(st == 400 and j["error"]["field"] == "page", "a page below 1 is refused: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?dept=" + urllib.parse.quote("没有这个部门"), token=tok["leader1"])
check(st == 400 and j["error"]["field"] == "dept", "an unknown department filter is named: %d %s" % (st, j))
jf_task = next(t for t in req(srv, "GET", "/api/v1/tasks?per_page=200", token=tok["office1"])[1]["tasks"]
               if t["lead"] == "区经济发展局")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/%d" % jf_task["id"], token=tok["rl"])
check(st == 403, "a clerk cannot read another department's task: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/1", token=tok["kj"])
check(st == 200 and "首台(套)" in j["task"]["clause"] and j["task"]["report_deadline"] == "2020-05-11",
      "task detail has the clause and the deadline")

# ---------------------------------------------------------------- reports
rep = {"period": "2020-04", "progress": 40, "done": "完成平台方案", "problems": "资金未到位", "next": "推进建设"}
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", rep, token=tok["kj"])
check(st == 201 and j["report"]["version"] == 1 and not j["report"]["late"] and j["light"]["light"] == "green",
      "lead report accepted, green")
report_id = j["report"]["id"] if st == 201 else 0
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(rep, progress=45), token=tok["kj"])
check(st == 201 and j["report"]["version"] == 2, "amendment before the deadline is a new version: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", {"period": "2020-04", "done": "配合完成人才政策"}, token=tok["rl"])
check(st == 201 and j["report"]["role"] == "co" and j["report"]["progress"] is None, "co report accepted")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % jf_task["id"], rep, token=tok["rl"])
check(st == 403 and j["error"]["code"] == "forbidden", "another department's clerk gets 403")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", '{"period": "2020-04", ', token=tok["kj"])
check(st == 400 and "JSON" in j["error"]["message"], "bad JSON -> 400 with a message")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(rep, progress=120), token=tok["kj"])
check(st == 400 and j["error"]["field"] == "progress", "progress 120 -> 400 naming progress")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(rep, period="2020-13"), token=tok["kj"])
check(st == 400 and j["error"]["field"] == "period", "bad period -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(rep, period="2020-06"), token=tok["kj"])
check(st == 422, "future period -> 422: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", {"period": "2020-04", "progress": 10}, token=tok["kj"])
check(st == 400 and j["error"]["field"] == "done", "missing done -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", b"x" * (12 << 20), token=tok["kj"])
check(st == 413 and j["error"]["code"] == "too_large", "oversized body -> 413")
# The same without a Content-Length (chunked): read up to the limit, then refused; the server
# keeps serving.
def chunks():
    for _ in range(12):
        yield b"y" * (1 << 20)
c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
c.request("POST", "/api/v1/tasks/1/reports", body=chunks(), encode_chunked=True,
          headers={"Content-Type": "application/json", "Authorization": "Bearer " + tok["kj"]})
resp = c.getresponse()
payload = json.loads(resp.read() or b"{}")
c.close()
check(resp.status == 413 and payload.get("error", {}).get("code") == "too_large",
      "an oversized chunked body -> 413: %d %s" % (resp.status, payload))
st, j, _, _ = req(srv, "GET", "/api/v1/health", token=tok["kj"])
check(st == 200, "the server is still up after it")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", "[1, 2]", token=tok["kj"])
check(st == 400 and j["error"]["field"] == "body", "a JSON array where an object is wanted is named: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", "period=2020-04", ctype="application/x-www-form-urlencoded", token=tok["kj"])
check(st == 400, "a form post is not JSON -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/99999/reports", rep, token=tok["kj"])
check(st == 404, "unknown task -> 404")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/1/reports", token=tok["leader1"])
check(st == 200 and len(j["reports"]) == 3, "all versions kept: %d" % len(j["reports"]))

# ---------------------------------------------------------------- attachments
pdf = b"%PDF-1.4\n% hqd test\n" + bytes(range(256)) * 40
st, j, _, _ = req(srv, "POST", "/api/v1/reports/%d/attachments?name=%%E8%%AF%%81%%E6%%98%%8E.pdf" % report_id,
                  raw=pdf, ctype="application/pdf", token=tok["kj"])
import hashlib
check(st == 201 and j["sha256"] == hashlib.sha256(pdf).hexdigest(), "attachment stored with its SHA-256")
att = j["id"] if st == 201 else 0
st, _, payload, resp = req(srv, "GET", "/api/v1/attachments/%d" % att, token=tok["office1"])
check(st == 200 and payload == pdf and resp.getheader("Content-Type") == "application/pdf"
      and "attachment" in resp.getheader("Content-Disposition"), "attachment served back byte-identical")
st, j, _, _ = req(srv, "GET", "/api/v1/attachments/%d" % att, token=tok["jf"])
check(st == 403, "a department that does not see the task cannot download: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/reports/%d/attachments?name=x.exe" % report_id, raw=b"MZ",
                  ctype="application/x-msdownload", token=tok["kj"])
check(st == 400 and j["error"]["field"] == "content_type", "unsupported type -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/reports/%d/attachments?name=big.pdf" % report_id,
                  raw=b"0" * ((10 << 20) + 1), ctype="application/pdf", token=tok["kj"])
check(st == 413, "attachment over 10 MB -> 413: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/reports/%d/attachments?name=x.pdf" % report_id, raw=pdf,
                  ctype="application/pdf", token=tok["rl"])
check(st == 403, "another department cannot attach to this report")
st, j, _, _ = req(srv, "GET", "/api/v1/reports/%d/attachments" % report_id, token=tok["leader1"])
check(st == 200 and [a["name"] for a in j["attachments"]] == ["证明.pdf"]
      and j["attachments"][0]["size"] == len(pdf) and j["attachments"][0]["uploaded_by"] == "kj",
      "a report lists its files with name, size and uploader: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/reports/%d/attachments" % report_id, token=tok["jf"])
check(st == 403, "a department that does not see the task cannot list its files: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/reports/99999/attachments", token=tok["office1"])
check(st == 404, "files of an unknown report -> 404")

# ---------------------------------------------------------------- lights against 序时进度
# The office narrows task 2's window so that April is half of it: 序时进度 about 50 %.
st, j, _, _ = req(srv, "PUT", "/api/v1/tasks/2/dates", {"start_on": "2020-04-01", "due_on": "2020-05-31"}, token=tok["office1"])
check(st == 200 and j["task"]["due_source"] == "office", "office sets a task's window")
st, j, _, _ = req(srv, "PUT", "/api/v1/tasks/2/dates", {"start_on": "2020-06-01", "due_on": "2020-05-31"}, token=tok["office1"])
check(st == 422, "start after due -> 422")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, progress=10), token=tok["kj"])
check(st == 201 and j["light"]["light"] == "red" and j["light"]["expected"] == 49, "10%% against 49%% is red: %s" % j.get("light"))
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, progress=30), token=tok["kj"])
check(st == 201 and j["light"]["light"] == "yellow", "30%% against 49%% is yellow")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, progress=45), token=tok["kj"])
check(st == 201 and j["light"]["light"] == "green", "catching up turns it green again")
st, j, _, _ = req(srv, "GET", "/api/v1/periods/2020-04/lights", token=tok["office1"])
l2 = next(x for x in j["lights"] if x["task_id"] == 2)
check(st == 200 and len(j["lights"]) == 55 and l2["light"] == "green", "period lights list")
st, j, _, _ = req(srv, "GET", "/api/v1/dashboard", token=tok["office1"])
check(st == 200 and j["reports"]["submitted"] == 2 and sum(j["lights"].values()) == 55, "dashboard counts")

# ---------------------------------------------------------------- 督办 and 销号
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/notices", {"level": "urge", "reason": "进度偏慢，请说明", "limit_wd": 3}, token=tok["office1"])
check(st == 201 and len(j["notices"]) == 1, "office issues a 催办 to the lead department")
nid = j["notices"][0] if st == 201 else 0
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/notices", {"level": "shout", "reason": "x"}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "level", "bad level -> 400")
st, j, _, _ = req(srv, "GET", "/api/v1/inbox", token=tok["kj"])
check(st == 200 and j["todo"] >= 1, "the clerk's inbox counts the notice")
st, j, _, _ = req(srv, "GET", "/api/v1/notices", token=tok["kj"])
mine = [n for n in j["notices"] if n["id"] == nid]
check(st == 200 and mine and mine[0]["due_on"] == "2020-05-09" and mine[0]["level_label"] == "催办",
      "notice due 3 working days after 05-06 (05-09 is a 调休 Saturday): %s" % (mine and mine[0]["due_on"]))
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/sign" % nid, token=tok["rl"])
check(st == 403, "another department cannot sign it")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/sign" % nid, token=tok["kj"])
check(st == 200, "the lead department signs")
plan_png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/attachments?name=%%E8%%BF%%BD%%E8%%B5%%B6.png" % nid,
                  raw=plan_png, ctype="image/png", token=tok["kj"])
check(st == 201 and j["sha256"] == hashlib.sha256(plan_png).hexdigest(), "the department attaches a file to its answer")
natt = j["id"] if st == 201 else 0
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/attachments?name=x.png" % nid, raw=plan_png,
                  ctype="image/png", token=tok["rl"])
check(st == 403, "another department cannot attach to this notice: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/attachments?name=x.sh" % nid, raw=b"#!/bin/sh",
                  ctype="application/x-sh", token=tok["kj"])
check(st == 400 and j["error"]["field"] == "content_type", "a notice file of a refused type -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/answer" % nid, {"text": "已制定追赶计划"}, token=tok["kj"])
check(st == 200, "and answers")
st, j, _, _ = req(srv, "GET", "/api/v1/notices/%d/attachments" % nid, token=tok["office1"])
check(st == 200 and [a["name"] for a in j["attachments"]] == ["追赶.png"], "the office lists the answer's files: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/notices/%d/attachments" % nid, token=tok["rl"])
check(st == 403, "another department cannot list them: %d" % st)
st, _, payload, resp = req(srv, "GET", "/api/v1/notice-attachments/%d" % natt, token=tok["leader1"])
check(st == 200 and payload == plan_png and resp.getheader("Content-Type") == "image/png",
      "a leader downloads the answer's file byte-identical")
st, j, _, _ = req(srv, "GET", "/api/v1/notice-attachments/%d" % natt, token=tok["jf"])
check(st == 403, "a department that does not see the task cannot download it: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/notice-attachments/99999", token=tok["office1"])
check(st == 404, "unknown notice file -> 404")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/1/notices", token=tok["office1"])
check(st == 200 and [n["attachments"] for n in j["notices"] if n["id"] == nid] == [1], "the notice counts its files")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/return" % nid, {"note": "请细化时间表"}, token=tok["office1"])
check(st == 200, "the office returns the answer")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/answer" % nid, {"text": "5月底前完成"}, token=tok["kj"])
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/accept" % nid, token=tok["office1"])
check(st == 200, "and accepts the second answer")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/accept" % nid, token=tok["office1"])
check(st == 409, "accepting twice -> 409")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/1/notices", token=tok["leader1"])
check(st == 200 and j["notices"][0]["status"] == "accepted" and j["notices"][0]["answer"] == "5月底前完成",
      "the notice is closed with its answer")
st, j, _, _ = req(srv, "POST", "/api/v1/notices/%d/attachments?name=late.png" % nid, raw=plan_png,
                  ctype="image/png", token=tok["kj"])
check(st == 409, "no files once the notice is closed: %d" % st)

# The office's supervision settings: auto 催办 and the time limit of each level.
st, j, _, _ = req(srv, "GET", "/api/v1/plans/1/supervise-settings", token=tok["kj"])
check(st == 200 and j["settings"] == {"plan_id": 1, "auto_urge": True, "remind_wd": 5, "urge_wd": 3,
                                      "supervise_wd": 2}, "default supervision settings: %s" % j)
st, j, _, _ = req(srv, "PUT", "/api/v1/plans/1/supervise-settings", {"urge_wd": 4, "auto_urge": False},
                  token=tok["office1"])
check(st == 200 and j["settings"]["urge_wd"] == 4 and not j["settings"]["auto_urge"]
      and j["settings"]["remind_wd"] == 5, "the office changes the 催办 limit and turns auto 催办 off")
st, j, _, _ = req(srv, "PUT", "/api/v1/plans/1/supervise-settings", {"supervise_wd": 0}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "supervise_wd", "a zero time limit -> 400 naming the field")
st, j, _, _ = req(srv, "PUT", "/api/v1/plans/1/supervise-settings", {"auto_urge": "yes"}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "auto_urge", "auto_urge must be a boolean")
st, j, _, _ = req(srv, "PUT", "/api/v1/plans/99/supervise-settings", {"urge_wd": 4}, token=tok["office1"])
check(st == 404, "settings of an unknown plan -> 404: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/3/notices", {"level": "urge", "reason": "请加快进度"}, token=tok["office1"])
nid3 = j["notices"][0] if st == 201 else 0
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/3/notices", token=tok["office1"])
n3 = [n for n in j["notices"] if n["id"] == nid3]
check(n3 and n3[0]["limit_wd"] == 4, "a 催办 issued without a limit takes the new 4 working days: %s" % n3)
st, j, _, _ = req(srv, "POST", "/api/v1/supervise/run", token=tok["office1"])
check(st == 200 and j["urged"] == 0, "with auto 催办 off the run issues no 催办: %s" % j)
st, j, _, _ = req(srv, "PUT", "/api/v1/plans/1/supervise-settings", {"urge_wd": 3, "auto_urge": True},
                  token=tok["office1"])
check(st == 200, "settings restored")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/closure", {"evidence": "平台已运行"}, token=tok["rl"])
check(st == 403, "only the lead department asks to close")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/6/closure", {"evidence": "研发机构已挂牌运行"}, token=tok["kj"])
check(st == 201, "closure requested")
cid = j["id"] if st == 201 else 0
st, j, _, _ = req(srv, "GET", "/api/v1/closures", token=tok["office1"])
check(st == 200 and any(c["id"] == cid for c in j["closures"]), "the office sees the pending request")
st, j, _, _ = req(srv, "POST", "/api/v1/closures/%d/approve" % cid, token=tok["office1"])
check(st == 200, "the office approves")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/6", token=tok["kj"])
check(j["task"]["closed"] and j["task"]["light"] == "green" and j["task"]["light_reason"] == "已销号",
      "a closed task is green")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/6/reports", rep, token=tok["kj"])
check(st == 409, "a closed task takes no report")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/6/reopen", {"note": "复核发现问题"}, token=tok["office1"])
check(st == 200, "the office reopens it")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/6/closures", token=tok["kj"])
check(st == 200 and j["closures"][0]["status"] == "reopened", "the closure record says reopened")

# ---------------------------------------------------------------- throttling, logout, tokens
for i in range(5):
    st, j, _, _ = req(srv, "POST", "/api/v1/session", {"name": "jf", "password": "wrong password"})
check(st == 401 and j["error"]["code"] == "unauthenticated", "wrong password -> 401")
st, j, _, _ = req(srv, "POST", "/api/v1/session", {"name": "jf", "password": PW})
check(st == 429 and j["error"]["code"] == "throttled", "six attempts in a row -> 429")
st, j, _, _ = req(srv, "POST", "/api/v1/tokens", {"label": "script", "days": 30}, token=tok["leader1"])
api_token = j["token"] if st == 201 else ""
st, j, _, _ = req(srv, "GET", "/api/v1/me", token=api_token)
check(st == 200 and j["user"]["name"] == "leader1", "API token works as Bearer")
st, j, _, _ = req(srv, "DELETE", "/api/v1/session", token=tok["leader1"])
check(st == 200, "logout")
st, j, _, _ = req(srv, "GET", "/api/v1/me", token=tok["leader1"])
check(st == 401, "a logged-out session is refused")
st, j, _, _ = req(srv, "POST", "/api/v1/users/jf/disable", token=tok["admin1"])
st, j, _, _ = req(srv, "GET", "/api/v1/me", token=tok["jf"])
check(st == 401, "a disabled account's session is refused")
st, j, _, _ = req(srv, "GET", "/api/v1/nope", token=tok["kj"])
check(st == 404 and j["error"]["code"] == "not_found", "unknown API path -> 404 JSON")
st, j, _, _ = req(srv, "PATCH", "/api/v1/tasks/1", token=tok["kj"])
check(st == 405, "wrong method -> 405")
st, _, payload, resp = req(srv, "GET", "/")
check(st == 200 and b"app.js" in payload and resp.getheader("Content-Security-Policy"), "web UI at /")

# ---------------------------------------------------------------- 惠企政策 over the API
st, j, _, _ = req(srv, "POST", "/api/v1/policy/calc", {"clause": "tech-contract", "inputs":
                  {"amount": "10000000.01", "contract_registered": True}}, token=tok["kj"])
check(st == 200 and j["amount_fen"] == 10000000 and j["eligible"] and "新开〔2020〕28号" in j["explanation"]
      and j["capped_by"] is None and j["floored"] is False, "a clerk's trial computation: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/calc", {"clause": "tech-contract", "inputs": {"amount": 1.5}}, token=tok["kj"])
check(st == 400 and j["error"]["field"] == "amount", "a JSON float amount is refused, naming it")
st, j, _, _ = req(srv, "POST", "/api/v1/policy/calc", {"clause": "nope", "inputs": {}}, token=tok["kj"])
check(st == 404, "unknown clause -> 404")
st, j, _, _ = req(srv, "POST", "/api/v1/policy/calc", {"clause": "innovation-voucher", "inputs": {"cost": "10", "tech_sme": True}}, token=tok["kj"])
check(st == 422 and j["error"]["field"] == "voucher_share", "an unset parameter -> 422 naming it")
app = {"uscc": "52410700MA4KX0012C", "clause": "ip-transfer", "on": "2020-09-01",
       "inputs": {"patents": 14, "institution_registered": "是"}}
st, j, _, _ = req(srv, "POST", "/api/v1/applications", app, token=tok["office1"])
check(st == 201 and j["amount_fen"] == 14000000, "application computed: %s" % j)
a1 = j["id"] if st == 201 else 0
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/approve" % a1, token=tok["office1"])
check(st == 200 and j["payout_id"] == 1 and j["amount_fen"] == 14000000, "approved into ledger line 1: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/approve" % a1, token=tok["office1"])
check(st == 409, "approving twice -> 409")
st, j, _, _ = req(srv, "POST", "/api/v1/applications", app, token=tok["office1"])
check(st == 201 and j["amount_fen"] == 6000000 and j["capped_by"] == "entity-year", "the yearly cap leaves 60,000.00")
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/reject" % j["id"], {}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "note", "rejecting without a reason -> 400")
st, j, _, _ = req(srv, "POST", "/api/v1/applications", dict(app, uscc="91410700MA44XW1K27"), token=tok["office1"])
check(st == 422, "an enterprise cannot apply for the institutions' clause")
st, j, _, _ = req(srv, "POST", "/api/v1/applications", dict(app, uscc="52410700MA4KX0012D"), token=tok["office1"])
check(st == 400 and j["error"]["field"] == "uscc" and "末位应为 C" in j["error"]["message"],
      "a mistyped code is told by its check character: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/applications", dict(app, uscc="914403001922038216"), token=tok["office1"])
check(st == 404 and j["error"]["field"] == "uscc", "an unregistered one is not found: %d %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify", token=tok["office1"])
check(st == 200 and j["ok"] and j["lines"] == 1 and j["total_fen"] == 14000000, "ledger verifies: %s" % j)

# Enterprise accounts: their own entity only; clauses as forms; what they are entitled to.
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses", token=tok["ent1"])
tc = next((c for c in j["clauses"] if c["id"] == "tech-contract"), {}) if st == 200 else {}
check(st == 200 and len(j["clauses"]) == 6 and tc.get("matter_key") == "contract_no"
      and any(v["name"] == "amount" and v["required"] for v in tc.get("vars", []))
      and tc.get("rule", "").startswith("技术交易额 × 1%；每项合同最高 100,000.00元；四舍五入到分。条件：技术合同经认定登记。"
                                        "2020-03-31 起施行，长期有效；同一事项（技术合同登记编号）不重复享受"),
      "clauses served as forms, each with its rule: %s" % tc)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/tech-contract/cases", token=tok["ent1"])
check(st == 403, "boundary cases are for staff: %s" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/tech-contract/cases", token=tok["office1"])
plan_fig = [c for c in j.get("cases", []) if c["what"].startswith("方案数字")] if st == 200 else []
check(st == 200 and len(plan_fig) == 1 and plan_fig[0]["inputs"]["amount"] == "10000000.00"
      and plan_fig[0]["amount_fen"] == 10000000 and j["pack_sha256"], "a clause's boundary cases: %s" % plan_fig)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/fund-reward/cases", token=tok["office1"])
check(st == 422 and "fund_reward_rate" in json.dumps(j, ensure_ascii=False), "a clause waiting for its param: %s %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/fund-reward/cases?fund_reward_rate=1%25", token=tok["office1"])
check(st == 200 and any(c["amount_fen"] > 0 for c in j.get("cases", [])), "a param tried in the query: %s" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/tech-transfer-in/cases?transfer_rate=8%25", token=tok["office1"])
check(st in (400, 422) and "10%" in j["error"]["message"], "a tried value outside the bounds is refused: %s" % j)
st, _, payload, resp = req(srv, "GET", "/api/v1/policy/clauses/ip-transfer/cases?format=xlsx", token=tok["office1"])
check(st == 200 and payload[:2] == b"PK" and "cases-ip-transfer.xlsx" in (resp.getheader("Content-Disposition") or ""),
      "the cases as a workbook: %s" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/ip-transfer/cases?format=pdf", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "format", "an unknown format is named: %s" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses/no-such/cases", token=tok["office1"])
check(st == 404, "an unknown clause: %s" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?on=2020-10-01", token=tok["ent1"])
fse = next((c for c in j.get("clauses", []) if c["clause"] == "first-set-equipment"), {}) if st == 200 else {}
check(st == 200 and j["uscc"] == FIRM and fse.get("state") == "qualifies" and fse.get("amount_fen") == 12000000
      and "采购价格 2,400,000.00元 × 5%" in fse.get("explanation", ""), "the enterprise sees what it is entitled to: %s" % fse)
check(fse.get("route") == "免申即享" and fse.get("self_declared") == [], "certified facts only: 免申即享: %s" % fse.get("route"))
check(fse.get("inputs") == {"price": "2400000.00", "equipment_certified": "是", "buyer_in_province": "是",
                            "equipment_no": "SB-2020-017"},
      "the facts the clause read, to fill the application: %s" % fse.get("inputs"))
check(fse.get("matter_key") == "equipment_no" and fse.get("matter") == "SB-2020-017",
      "the equipment is the matter paid once: %s" % fse)
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?uscc=52410700MA4KX0012C", token=tok["ent1"])
check(st == 403, "an enterprise cannot look at another entity's entitlements")
# Two registered contracts: one row each, with its contract, its amount and its own item cap.
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?uscc=91410700MA9F123453&on=2020-10-01", token=tok["office1"])
tcs = [(c["matter_key"], c["matter"], c["state"], c["amount_fen"], c["inputs"].get("contract_no"))
       for c in j.get("clauses", []) if c["clause"] == "tech-contract"] if st == 200 else []
check(tcs == [("contract_no", "HT-2020-0715", "qualifies", 10000000, "HT-2020-0715"),
              ("contract_no", "HT-2020-0820", "qualifies", 8650000, "HT-2020-0820")]
      and j["total_fen"] == 18650000, "one entitlement per contract: %s" % tcs)
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?uscc=91410700MA4FUND016&on=2020-10-01", token=tok["office1"])
fr = next((c for c in j.get("clauses", []) if c["clause"] == "fund-reward"), {}) if st == 200 else {}
check(fr.get("state") == "awaiting" and "fund_reward_rate" in fr.get("explanation", ""),
      "a clause whose parameter the office has not set is awaiting, not refused: %s" % fr)
st, j, _, _ = req(srv, "GET", "/api/v1/entities", token=tok["office1"])
bio = next((x for x in j.get("entities", []) if x["uscc"] == "91410700MA9F123453"), {}) if st == 200 else {}
check([m["value"] for m in bio.get("matters", [])] == ["HT-2020-0715", "HT-2020-0820"] and bio.get("facts") == {},
      "the registry lists the contracts as matters: %s" % bio)
# The registry a page at a time (keyset on the USCC): every entity once, in order.
st, j, _, _ = req(srv, "GET", "/api/v1/entities?limit=2", token=tok["office1"])
page1 = [x["uscc"] for x in j.get("entities", [])] if st == 200 else []
nxt = j.get("next") if st == 200 else None
st2, j2, _, _ = req(srv, "GET", "/api/v1/entities?limit=2&after=" + (nxt or ""), token=tok["office1"])
page2 = [x["uscc"] for x in j2.get("entities", [])] if st2 == 200 else []
st3, j3, _, _ = req(srv, "GET", "/api/v1/entities?limit=5000", token=tok["office1"])
everyone = [x["uscc"] for x in j3.get("entities", [])] if st3 == 200 else []
check(len(page1) == 2 and nxt == page1[-1] and page1 + page2 == everyone[:4] and everyone == sorted(everyone)
      and j3.get("total") == len(everyone) and j3.get("next") is None,
      "entities page by page: %s %s %s" % (page1, page2, j3.get("total")))
st, j, _, _ = req(srv, "GET", "/api/v1/entities/search?q=" + urllib.parse.quote("装备"), token=tok["office1"])
check(st == 200 and [(x["uscc"], x["name"]) for x in j["entities"]] == [(FIRM, "新乡示例装备制造有限公司")],
      "an entity found by a part of its name: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entities/search?q=" + FIRM[-6:].lower(), token=tok["office1"])
check(st == 200 and [x["uscc"] for x in j["entities"]] == [FIRM], "or of its code, in either case: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entities/search", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "q", "a search needs q: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entities/search?q=x&limit=51", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "limit", "a bad limit is named: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entities/search?q=x", token=tok["ent1"])
check(st == 403, "an enterprise does not search the registry: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/entities?limit=0", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "limit", "a bad limit is named: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?uscc=52410700MA4KX0012C&on=2020-10-01", token=tok["office1"])
ipt = next((c for c in j.get("clauses", []) if c["clause"] == "ip-transfer"), {}) if st == 200 else {}
check(st == 200 and ipt.get("received_fen") == 14000000 and ipt.get("state") == "near"
      and ipt.get("missing") == ["institution_registered"], "the office sees what was received and what is missing: %s" % ipt)
ent_app = {"uscc": FIRM, "clause": "first-set-equipment", "on": "2020-10-01",
           "inputs": {"price": "2400000.00", "equipment_certified": True, "buyer_in_province": True,
                      "equipment_no": "SB-2020-017"}}
st, j, _, _ = req(srv, "POST", "/api/v1/applications", dict(ent_app, uscc="52410700MA4KX0012C"), token=tok["ent1"])
check(st == 403, "an enterprise cannot apply for another entity")
st, j, _, _ = req(srv, "POST", "/api/v1/applications", ent_app, token=tok["ent1"])
check(st == 201 and j["amount_fen"] == 12000000, "an enterprise files its own application: %s" % j)
ea = j["id"] if st == 201 else 0
pdf = b"%PDF-1.4\n% evidence\n"
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=%s" % (ea, urllib.parse.quote("发票.pdf")),
                  raw=pdf, ctype="application/pdf", token=tok["ent1"])
check(st == 201 and j["size"] == len(pdf), "evidence uploaded: %s" % j)
fid = j["id"] if st == 201 else 0
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=x.pdf" % a1, raw=pdf,
                  ctype="application/pdf", token=tok["ent1"])
check(st == 403, "no files on someone else's application: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=x.html" % ea, raw=b"<script>",
                  ctype="text/html", token=tok["ent1"])
check(st == 400 and j["error"]["field"] == "content_type", "a refused file type is named: %s" % j)
# Programs are refused whatever they are declared as: by name, and by content (a Windows
# executable renamed to .pdf and sent as octet-stream); a declared type must match the content.
pe = bytearray(b"MZ" + b"\0" * 200)
pe[0x3c] = 0x80
pe[0x80:0x84] = b"PE\0\0"
for name, body, ctype, field, what in [
        ("setup.exe", b"%PDF-1.4\n", "application/octet-stream", "name", "程序或脚本"),
        ("run.BAT", b"echo hi\r\n", "text/plain", "name", "程序或脚本"),
        ("发票.pdf", bytes(pe), "application/octet-stream", "body", "程序或脚本"),
        ("notes.txt", b"#!/bin/sh\nrm -rf /\n", "text/plain", "body", "程序或脚本"),
        ("发票.pdf", b"<html>not a pdf</html>", "application/pdf", "body", "内容不是 PDF"),
        ("合同.docx", b"%PDF-1.4\n", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "body", "内容不是 Word (.docx)")]:
    st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=%s" % (ea, urllib.parse.quote(name)),
                      raw=body, ctype=ctype, token=tok["ent1"])
    check(st == 400 and j["error"]["field"] == field and what in j["error"]["message"],
          "%s as %s is refused naming %s: %d %s" % (name, ctype, field, st, j))
# A .csv that Windows labels as Excel, and an .ofd (a zip) sent as octet-stream, are evidence.
for name, body, ctype in [("清单.csv", "项目,金额\n合同,100\n".encode(), "application/vnd.ms-excel"),
                          ("发票.ofd", b"PK\x03\x04" + b"\0" * 40, "application/octet-stream")]:
    st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=%s" % (ea, urllib.parse.quote(name)),
                      raw=body, ctype=ctype, token=tok["ent1"])
    check(st == 201, "%s as %s is accepted: %d %s" % (name, ctype, st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % ea, token=tok["ent1"])
check(st == 200 and j["status"] == "submitted" and [f["name"] for f in j["files"]] == ["发票.pdf", "清单.csv", "发票.ofd"]
      and "新开〔2020〕28号" in j["explanation"] and j["inputs"]["price"] == "2400000.00", "application detail: %s" % j)
check(j.get("evidence") == [] and j.get("origin") == "applied", "no evidence asked by the example clause; filed by the applicant: %s" % j.get("evidence"))
check(j.get("same_inputs") == [], "no other application with the same inputs: %s" % j.get("same_inputs"))
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=x.pdf&evidence=%s" % (ea, urllib.parse.quote("营业执照")), raw=pdf,
                  ctype="application/pdf", token=tok["ent1"])
check(st == 400 and j["error"]["field"] == "evidence", "a label the clause does not ask for is refused: %d %s" % (st, j))
st, _, payload, _ = req(srv, "GET", "/api/v1/application-files/%d" % fid, token=tok["ent1"])
check(st == 200 and payload == pdf, "evidence downloaded byte for byte")
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % a1, token=tok["ent1"])
check(st == 403, "an enterprise cannot read another entity's application")
st, j, _, _ = req(srv, "GET", "/api/v1/applications", token=tok["ent1"])
check(st == 200 and j["applications"] and all(a["uscc"] == FIRM for a in j["applications"]),
      "an enterprise lists only its own applications")
st, _, payload, _ = req(srv, "GET", "/api/v1/applications?format=xlsx", token=tok["ent1"])
import io, zipfile
own = zipfile.ZipFile(io.BytesIO(payload)).read("xl/sharedStrings.xml").decode() if st == 200 else ""
check(FIRM in own and "52410700MA4KX0012C" not in own, "and downloads only its own: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/applications?status=submitted", token=tok["office1"])
check(st == 200 and len(j["applications"]) >= 2, "the office lists pending applications")
# a page at a time, newest first; the totals are of every application the filter keeps
st, full, _, _ = req(srv, "GET", "/api/v1/applications", token=tok["office1"])
st2, page, _, _ = req(srv, "GET", "/api/v1/applications?limit=1&offset=1", token=tok["office1"])
check(st == 200 and st2 == 200 and full["total"] == len(full["applications"]) >= 2
      and [a["id"] for a in page["applications"]] == [full["applications"][1]["id"]]
      and all(page[k] == full[k] for k in ("total", "amount_fen", "paid_fen", "overdue", "timing"))
      and page["offset"] == 1 and page["limit"] == 1,
      "a page of applications with the whole list's totals: %s" % {k: page.get(k) for k in ("total", "offset", "limit", "amount_fen")})
st, j, _, _ = req(srv, "GET", "/api/v1/applications?limit=0", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "limit", "a bad page size -> 400 naming it")
st, j, _, _ = req(srv, "GET", "/api/v1/applications?status=maybe", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "status", "a bad status filter -> 400")
def fse_row():
    st, j, _, _ = req(srv, "GET", "/api/v1/entitlements?on=2020-10-01", token=tok["ent1"])
    row = next((c for c in j.get("clauses", []) if c["clause"] == "first-set-equipment"), {}) if st == 200 else {}
    return row, j.get("total_fen") if st == 200 else None
row, _ = fse_row()
check(row.get("state") == "qualifies" and row.get("application") == {"id": ea, "status": "submitted"}
      and ("该事项已有申请 %d（待审批）" % ea) in row.get("standing", ""),
      "what it is entitled to names the application already filed for the equipment: %s" % row)
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/approve" % ea, token=tok["office1"])
check(st == 200 and j["amount_fen"] == 12000000, "the office approves the enterprise's application")
row, total = fse_row()
check(row.get("state") == "received" and row.get("payable_fen") == 0 and row.get("matter_paid_fen") == 12000000
      and row.get("amount_fen") == 12000000 and "该事项已获兑付 120,000.00元，不再重复享受" in row.get("standing", "")
      and total == 0, "the paid equipment is received, not offered again: %s %s" % (total, row))
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=late.pdf" % ea, raw=pdf,
                  ctype="application/pdf", token=tok["ent1"])
check(st == 409, "no evidence after the decision")
st, j, _, _ = req(srv, "GET", "/api/v1/payouts", token=tok["ent1"])
check(st == 200 and len(j["payouts"]) == 1 and j["total_fen"] == 12000000, "the enterprise sees its own award only: %s" % j)
pid = j["payouts"][0]["id"] if st == 200 and j["payouts"] else 0
st, j, _, _ = req(srv, "POST", "/api/v1/payouts/%d/reverse" % pid, {}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "note", "a reversal needs a reason")
st, j, _, _ = req(srv, "POST", "/api/v1/payouts/%d/reverse" % pid, {"note": "设备未通过省认定复核"}, token=tok["office1"])
check(st == 201 and j["reverses"] == pid, "the office reverses the award (追回)")
row, total = fse_row()
check(row.get("state") == "qualifies" and row.get("matter_paid_fen") == 0 and total == 12000000
      and ("该事项已有申请 %d（已批准）" % ea) in row.get("standing", ""),
      "after the reversal nothing is paid for the equipment; its approved application is named: %s" % row)
# 免申即享名单 over the whole registry: the same rows and totals as `hqd policy match`, a page at
# a time, filtered, or all of them as a workbook.
st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-01&limit=5000", token=tok["office1"])
cli_match = json.loads(run("policy", "match", "--json", "--on", "2020-10-01").stdout or "{}")
check(st == 200 and cli_match and all(j["totals"][k] == cli_match[k] for k in
      ("qualifies", "automatic", "near", "awaiting", "received", "total_fen"))
      and j["totals"]["entities"] == len(cli_match["entities"]) and j["matched"] == len(j["rows"]),
      "the list's totals are the CLI's: %s / %s" % (j.get("totals"), {k: cli_match.get(k) for k in ("qualifies", "total_fen")}))
rows = j.get("rows", []) if st == 200 else []
check(sum(x["payable_fen"] for x in rows if x["state"] == "qualifies") == j["totals"]["total_fen"]
      and len(rows) == sum(len(e[k]) for e in cli_match.get("entities", []) for k in ("qualifies", "near", "awaiting", "received")),
      "every row is listed once and the qualifying ones sum to the total")
cl = j.get("totals", {}).get("clauses", [])
check(cl and cl == cli_match.get("clauses") and sum(c["qualifies"] for c in cl) == j["totals"]["qualifies"]
      and sum(c["total_fen"] for c in cl) == j["totals"]["total_fen"]
      and all(c["qualifies"] == sum(1 for x in rows if x["clause"] == c["clause"] and x["state"] == "qualifies") for c in cl)
      and all(c["budget"] is None for c in cl if c["clause"] != "innovation-voucher"),
      "the totals per clause add up to the list's, as the CLI gives them: %s" % cl)
fse = next((x for x in rows if x["uscc"] == FIRM and x["clause"] == "first-set-equipment"), {})
check(fse.get("state") == "qualifies" and fse.get("payable_fen") == 12000000 and fse.get("matter") == "SB-2020-017"
      and fse.get("name") == "新乡示例装备制造有限公司" and fse.get("application", {}).get("id") == ea,
      "a row names the entity, the equipment and the application already approved: %s" % fse)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-01&q=" + urllib.parse.quote("装备制造"), token=tok["office1"])
check(st == 200 and j["rows"] and all(x["uscc"] == FIRM for x in j["rows"]), "filtered by name: %s" % j.get("rows"))
st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-01&state=near&clause=ip-transfer", token=tok["office1"])
check(st == 200 and j["rows"] and all(x["state"] == "near" and x["clause"] == "ip-transfer" for x in j["rows"])
      and j["matched"] == len(j["rows"]), "filtered by state and clause: %s" % j.get("matched"))
st, j1, _, _ = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-01&limit=1&offset=1", token=tok["office1"])
check(st == 200 and len(j1["rows"]) == 1 and j1["rows"][0]["clause"] == rows[1]["clause"]
      and j1["rows"][0]["uscc"] == rows[1]["uscc"] and j1["matched"] == len(rows), "a page of the list")
for q, field in (("state=maybe", "state"), ("limit=0", "limit"), ("offset=-1", "offset"), ("on=2020-02-30", "on"),
                 ("format=pdf", "format")):
    st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?" + q, token=tok["office1"])
    check(st == 400 and j["error"]["field"] == field, "a bad %s is named: %s" % (field, j))
st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?clause=no-such", token=tok["office1"])
check(st == 404 and j["error"]["field"] == "clause", "an unknown clause: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches", token=tok["ent1"])
check(st == 403, "an enterprise cannot read the zone's list")
st, _, payload, resp = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-01&state=qualifies&format=xlsx", token=tok["office1"])
check(st == 200 and payload[:2] == b"PK" and "matches-2020-10-01.xlsx" in (resp.getheader("Content-Disposition") or ""),
      "the list as a workbook: %s" % st)
if st == 200:
    import io, zipfile
    sheet = zipfile.ZipFile(io.BytesIO(payload)).read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(payload)).namelist() else zipfile.ZipFile(io.BytesIO(payload)).read("xl/worksheets/sheet1.xml").decode()
    check("SB-2020-017" in sheet and "免申即享" in sheet and "新乡示例装备制造有限公司" in sheet,
          "the workbook holds the rows the filter keeps")
st, j, _, _ = req(srv, "GET", "/api/v1/payouts?year=2020", token=tok["office1"])
check(st == 200 and len(j["payouts"]) == 3 and j["total_fen"] == 14000000
      and any(p["reversed"] for p in j["payouts"]), "the ledger lists the award and its reversal")
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify", token=tok["office1"])
check(st == 200 and j["ok"] and j["lines"] == 3, "ledger verifies after the reversal: %s" % j)
head = j.get("head") or {}
check(head.get("id") == 3 and len(head.get("hash", "")) == 64, "the verification reports the head to write down: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?anchor=3:%s" % head.get("hash"), token=tok["office1"])
check(st == 200 and j["anchor"]["ok"], "the head written down still holds: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?anchor=9:%s" % head.get("hash"), token=tok["office1"])
check(st == 200 and not j["anchor"]["ok"] and "账本没有第 9 行" in j["anchor"]["problem"], "an anchor past the end is named: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?anchor=3", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "anchor", "an anchor that is not ID:HASH is refused: %d %s" % (st, j))
# The message quotes the anchor cut to 80 bytes, here in the middle of a character: still an
# answer in valid JSON (it was a 500 with no body), the cut character replaced.
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?anchor=" + urllib.parse.quote("锚" * 30), token=tok["office1"])
check(st == 400 and j["error"]["field"] == "anchor" and "锚锚" in j["error"]["message"] and "\ufffd" in j["error"]["message"],
      "a message cut mid-character is still answered: %d %s" % (st, j))
# The audit log's head is an anchor too.
st, j, _, _ = req(srv, "GET", "/api/v1/audit/verify", token=tok["office1"])
ahead = j.get("head") or {}
check(st == 200 and j["ok"] and ahead.get("id") == j["rows"] and len(ahead.get("hash", "")) == 64,
      "the audit verification reports its head: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/audit/verify?anchor=%d:%s" % (ahead.get("id", 0), ahead.get("hash")), token=tok["office1"])
check(st == 200 and j["anchor"]["ok"], "the audit head written down holds: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/audit/verify?anchor=1:%s" % ("0" * 64), token=tok["office1"])
check(st == 200 and not j["anchor"]["ok"] and "审计日志第 1 行" in j["anchor"]["problem"], "an audit anchor with another hash is named: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/audit/verify?anchor=x", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "anchor", "a malformed audit anchor is refused: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?applications=1", token=tok["office1"])
check(st == 200 and j["ok"] and j["applications"]["ok"] and j["applications"]["lines"] == 2,
      "the applications still hold what their awards were paid on: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?applications=yes", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "applications", "a bad applications flag is named: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "tech-contract", "year": 2020}, token=tok["office1"])
check(st in (404, 409), "no pro-rata batch for a clause without a pro-rata budget: %d" % st)
st, j, _, _ = req(srv, "PUT", "/api/v1/policy/params", {"clause": "tech-transfer-in", "name": "transfer_rate", "value": "8%"}, token=tok["office1"])
check(st == 400 and "10%" in j["error"]["message"], "a parameter below the clause's bound is refused: %s" % j)
st, before, _, _ = req(srv, "GET", "/api/v1/policy/clauses", token=tok["office1"])
st, j, _, _ = req(srv, "PUT", "/api/v1/policy/params", {"clause": "tech-transfer-in", "name": "transfer_rate",
                  "value": "12%", "dry_run": True}, token=tok["office1"])
tti = next((c for c in j.get("clauses", []) if c["clause"] == "tech-transfer-in"), {}) if st == 200 else {}
st2, after, _, _ = req(srv, "GET", "/api/v1/policy/clauses", token=tok["office1"])
check(st == 200 and tti.get("change") == "changed" and "+ param transfer_rate rate 12%" in tti.get("lines", "")
      and j["to"]["id"] is None and j["from"]["id"] > 0 and before == after,
      "a rate tried before it is set: the change priced, nothing stored: %s" % tti)
st, j, _, _ = req(srv, "PUT", "/api/v1/policy/params", {"clause": "tech-transfer-in", "name": "transfer_rate",
                  "value": "8%", "dry_run": True}, token=tok["office1"])
check(st == 400 and "10%" in j["error"]["message"], "a trial below the bound is refused too: %s" % j)
st, j, _, _ = req(srv, "PUT", "/api/v1/policy/params", {"clause": "tech-transfer-in", "name": "transfer_rate",
                  "value": "12%", "dry_run": "yes"}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "dry_run", "a bad dry_run is named: %s" % j)
st, j, _, _ = req(srv, "PUT", "/api/v1/policy/params", {"clause": "tech-transfer-in", "name": "transfer_rate", "value": "12%"}, token=tok["office1"])
check(st == 200 and j["pack_id"] > 0, "the office raises the transfer rate to 12%: a new pack version")
st, j, _, _ = req(srv, "POST", "/api/v1/policy/calc", {"clause": "tech-transfer-in", "inputs":
                  {"amount": "1000000", "tech_from_outside_city": True, "undertaker_in_zone": True}}, token=tok["office1"])
check(st == 200 and j["amount_fen"] == 12000000, "calc uses the office's rate: %s" % j.get("amount_fen"))
st, j, _, _ = req(srv, "GET", "/api/v1/policy/diff", token=tok["office1"])
tti = next((c for c in j.get("clauses", []) if c["clause"] == "tech-transfer-in"), {}) if st == 200 else {}
check(st == 200 and tti.get("change") == "changed" and "+ param transfer_rate rate 12%" in tti.get("lines", "")
      and j["to"]["id"] == j["from"]["id"] + 1, "the new version against the one before: %s" % tti)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/diff?from=x", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "from", "a bad version number is refused: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/diff", token=tok["ent1"])
check(st == 403, "an enterprise does not compare versions: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify", token=tok["office1"])
check(st == 200 and j["ok"], "older lines still replay with their own pack version")
# 预算执行 agrees with the ledger, clause by clause.
st, pay, _, _ = req(srv, "GET", "/api/v1/payouts?year=2020", token=tok["office1"])
st, j, _, _ = req(srv, "GET", "/api/v1/policy/budget?year=2020", token=tok["admin1"])
by_clause = {}
for p in pay.get("payouts", []):
    by_clause[p["clause"]] = by_clause.get(p["clause"], 0) + p["amount_fen"]
check(st == 200 and j["year"] == 2020 and by_clause and all(c["paid_fen"] == by_clause.get(c["clause"], 0) for c in j["clauses"])
      and j["paid_fen"] == pay["total_fen"], "the budget report adds up the ledger: %s %s" % (by_clause, str(j)[:300]))
check(any(c["clause"] == "innovation-voucher" and c["budget_fen"] is None and "voucher_budget" in c["note"] for c in j["clauses"]),
      "an unset budget parameter is named: %s" % str(j)[:300])
st, j, _, _ = req(srv, "GET", "/api/v1/policy/budget?year=20x0", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "year", "a bad year is refused: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/budget", token=tok["ent1"])
check(st == 403, "an enterprise does not see the budget: %d" % st)
# 免申即享 run by the office: the enterprise already applied for 首台(套) this year, so nothing is
# filed twice; the reason is given per entity.
st, j, _, _ = req(srv, "POST", "/api/v1/policy/proposals", {"clause": "first-set-equipment", "on": "2020-10-05"}, token=tok["office1"])
check(st == 201 and j["filed"] == 0 and j["duplicates"] == 1 and any(k["uscc"] == FIRM and k["reason"] == "duplicate" and "已有" in k["text"] for k in j["skipped"]),
      "a proposal never repeats an application: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/proposals", {"clause": "fund-reward"}, token=tok["office1"])
check(st == 422 and "fund_reward_rate" in j["error"]["message"], "an unset parameter stops the proposal: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/policy/proposals", {"clause": "first-set-equipment", "on": "2020-13-01"}, token=tok["office1"])
check(st == 400 and j["error"]["field"] == "on", "a bad date is refused: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/proposals", {"clause": "first-set-equipment"}, token=tok["ent1"])
check(st == 403, "only the office files proposals: %d" % st)
# 批量审批 of 免申即享 proposals: the office files them for tech-contract (one per certified
# contract), tries approving them all, then does it; each in 受理 order by the approval's checks.
st, j, _, _ = req(srv, "POST", "/api/v1/policy/proposals", {"clause": "tech-contract", "on": "2020-10-05"}, token=tok["office1"])
filed = j.get("filed", 0)
check(st == 201 and filed >= 2, "proposals filed for the certified contracts: %s" % str(j)[:300])
approve_all = {"clause": "tech-contract", "year": 2020, "proposed_only": True}
st, j, _, _ = req(srv, "POST", "/api/v1/policy/approvals", dict(approve_all, dry_run=True), token=tok["office1"])
tried = j
check(st == 200 and j["dry_run"] is True and j["approved"] == filed and j["skipped"] == 0
      and [x["application_id"] for x in j["shares"]] == sorted(x["application_id"] for x in j["shares"]),
      "approving them all tried, in 受理 order: %s" % str(j)[:400])
st, j, _, _ = req(srv, "GET", "/api/v1/applications?status=submitted&clause=tech-contract", token=tok["office1"])
check(st == 200 and sum(1 for a in j["applications"] if a["origin"] == "proposed") == filed, "the trial wrote nothing")
def proposed_statuses():  # the list is served from the response cache while nothing is written
    st, j, _, _ = req(srv, "GET", "/api/v1/policy/matches?on=2020-10-05&clause=tech-contract", token=tok["office1"])
    return sorted(x["application"]["status"] for x in j.get("rows", []) if x.get("application"))
before = proposed_statuses()
check(before and before == proposed_statuses() and set(before) == {"submitted"}, "the list names the pending proposals: %s" % before)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/approvals", approve_all, token=tok["office1"])
check(proposed_statuses() == ["approved"] * len(before), "after a write the list is computed again: %s" % proposed_statuses())
check(st == 201 and j["dry_run"] is False and j["approved"] == filed and j["paid_fen"] == tried["paid_fen"],
      "then approved, paying what the trial said: %s" % str(j)[:300])
st, j, _, _ = req(srv, "GET", "/api/v1/applications?status=submitted&clause=tech-contract", token=tok["office1"])
check(st == 200 and not any(a["origin"] == "proposed" for a in j["applications"]), "none of them is left pending")
st, j, _, _ = req(srv, "POST", "/api/v1/policy/approvals", approve_all, token=tok["office1"])
check(st == 404, "nothing left to approve -> 404: %d" % st)
for body, field in [({"year": "2020"}, "year"), ({"dry_run": 1}, "dry_run"), ({"proposed_only": "yes"}, "proposed_only")]:
    st, j, _, _ = req(srv, "POST", "/api/v1/policy/approvals", dict(approve_all, **body), token=tok["office1"])
    check(st == 400 and j["error"]["field"] == field, "approve-all options are checked (%s): %d" % (body, st))
st, j, _, _ = req(srv, "POST", "/api/v1/policy/approvals", approve_all, token=tok["ent1"])
check(st == 403, "only the office approves: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify?applications=1", token=tok["office1"])
check(st == 200 and j["ok"] and j["applications"]["ok"], "the ledger and the applications agree after it: %s" % str(j)[:300])
for body, field in [({"dry_run": "yes"}, "dry_run"), ({"dry_run": True, "budget": 100}, "budget"),
                    ({"budget": "100"}, "budget"), ({"dry_run": True, "budget": "1.234"}, "budget")]:
    st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", dict({"clause": "grant-x", "year": 2020}, **body), token=tok["office1"])
    check(st == 400 and j["error"]["field"] == field, "batch 试算 options are checked (%s): %d %s" % (body, st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "first-set-equipment", "year": 2020, "dry_run": True}, token=tok["office1"])
check(st == 404 and "没有待审申请" in j["error"]["message"], "nothing pending, nothing to try: %d %s" % (st, j))
st, _, payload, resp = req(srv, "GET", "/api/v1/payouts?year=2020&format=xlsx", token=tok["office1"])
check(st == 200 and payload[:4] == b"PK\x03\x04" and "spreadsheetml" in resp.getheader("Content-Type", "")
      and "payouts-2020.xlsx" in resp.getheader("Content-Disposition", ""), "the payout ledger as a workbook: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/payouts?format=pdf", token=tok["office1"])
check(st == 400 and j["error"]["field"] == "format", "only xlsx is offered: %d" % st)
bad_csv = "uscc,name,kind,in_zone,industry\n91410700MA44XW1K20,甲,企业,是,制造\n".encode()
st, j, _, _ = req(srv, "POST", "/api/v1/entities/import?name=new.csv", raw=bad_csv, ctype="text/csv", token=tok["office1"])
check(st == 400 and j["error"]["bad_rows"] == 1 and "new.csv: row 2, column 1" in j["error"]["rows"][0],
      "a bad entities CSV is refused row by row: %s" % j)
good_csv = "uscc,name,kind,in_zone,industry\n91410700MA9F123453,新乡示例生物科技有限公司,企业,是,生物医药\n".encode()
st, j, _, _ = req(srv, "POST", "/api/v1/entities/import?name=ok.csv", raw=good_csv, ctype="text/csv", token=tok["office1"])
check(st == 201 and j["entities"] == 1, "an entities CSV imported over the API")
typed_csv = "uscc,source,date,amount,patents\n91410700MA9F123453,税务,2020-07-15,1.234,3\n".encode()
st, j, _, _ = req(srv, "POST", "/api/v1/entities/import?name=facts.csv", raw=typed_csv, ctype="text/csv", token=tok["office1"])
check(st == 400 and j["error"]["bad_rows"] == 1 and "facts.csv: row 2, column 4 (amount)" in j["error"]["rows"][0]
      and "tech-contract" in j["error"]["rows"][0], "a fact value the rules cannot read is refused, naming the clause: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/entities", token=tok["office1"])
check(st == 200 and any(e["uscc"] == FIRM and [(m["value"], m["facts"]["price"]["value"]) for m in e["matters"]]
                        == [("SB-2020-017", "2400000.00")] for e in j["entities"]),
      "the registry with its facts: %d %s" % (st, str(j)[:300]))

# ---------------------------------------------------------------- group commit under load
# 32 clients write at once: good reports to eight tasks and refused ones mixed in. Every good
# one is stored as the next version of its task, every refused one changes nothing.
import threading
from concurrent.futures import ThreadPoolExecutor
kj_tok = tok["kj"]
load_tasks = list(range(7, 15))


def versions(task):
    st, j, _, _ = req(srv, "GET", "/api/v1/tasks/%d/reports" % task, token=tok["office1"])
    return sorted(r["version"] for r in j["reports"] if r["period"] == "2020-04" and r["role"] == "lead")


before = {t: versions(t) for t in load_tasks}


def one(i):
    task = load_tasks[i % len(load_tasks)]
    bad = i % 9 == 0
    body = dict(rep, progress=101 if bad else i % 100)
    st, j, _, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % task, body, token=kj_tok)
    return bad, st


with ThreadPoolExecutor(max_workers=32) as pool:
    results = list(pool.map(one, range(400)))
check(all(st == 201 for bad, st in results if not bad), "every good concurrent write is stored: %s"
      % sorted({st for bad, st in results if not bad}))
check(all(st == 400 for bad, st in results if bad), "every refused one answers 400: %s"
      % sorted({st for bad, st in results if bad}))
good_per_task = {t: sum(1 for i in range(400) if i % 9 and load_tasks[i % len(load_tasks)] == t) for t in load_tasks}
after = {t: versions(t) for t in load_tasks}
check(all(after[t] == list(range(1, len(before[t]) + good_per_task[t] + 1)) for t in load_tasks),
      "versions are gapless and one per stored write")

# SIGTERM while 16 clients write: every acknowledged write is stored, and the server exits 0.
acked = []
stop_flag = threading.Event()


def hammer(k):
    n = 0
    while not stop_flag.is_set():
        try:
            st, j, _, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % load_tasks[k % 8], rep, token=kj_tok)
        except OSError:
            break
        if st == 201:
            n += 1
    acked.append(n)


before = {t: len(versions(t)) for t in load_tasks}
workers = [threading.Thread(target=hammer, args=(k,)) for k in range(16)]
for w in workers:
    w.start()
time.sleep(0.5)
rc = srv.stop()
stop_flag.set()
for w in workers:
    w.join()
check(rc == 0, "SIGTERM stops the server cleanly under load")
srv = Server("2020-05-06T02:00:00Z")
stored = sum(len(versions(t)) - before[t] for t in load_tasks)
check(sum(acked) > 0 and stored >= sum(acked), "no acknowledged write is lost: %d acked, %d stored" % (sum(acked), stored))
check(srv.stop() == 0, "SIGTERM stops the server cleanly")

# ---------------------------------------------------------------- after the deadline
srv = Server("2020-05-20T02:00:00Z")  # past 2020-05-11
kj, _, _ = login(srv, "kj", PW)
off, _, _ = login(srv, "office1", PW)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(rep, progress=50), token=kj)
check(st == 409 and j["error"]["code"] == "conflict", "amending after the deadline -> 409")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/3/reports", dict(rep, progress=60), token=kj)
check(st == 201 and j["report"]["late"] and j["light"]["light"] == "yellow", "a late first report is accepted, marked late, yellow: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/periods/2020-04/close", token=off)
check(st == 200 and j["tasks"] == 55, "office closes April: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/periods/2020-04/close", token=off)
check(st == 409, "closing twice -> 409")
st, j, _, _ = req(srv, "POST", "/api/v1/periods/2020-05/close", token=off)
check(st == 422, "closing a period that has not ended -> 422")
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/3", token=off)
frozen = j["task"]["light_history"]
check(frozen and frozen[-1]["frozen"] and frozen[-1]["period"] == "2020-04" and frozen[-1]["light"] == "yellow", "April's light is frozen: %s" % frozen)
check(srv.stop() == 0, "second server stops cleanly")

# ---------------------------------------------------------------- two periods without a report
srv = Server("2020-07-15T02:00:00Z")  # May and June both past their deadlines
off, _, _ = login(srv, "office1", PW)
st, j, _, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&period=2020-06", token=off)
t5 = next(t for t in j["tasks"] if t["id"] == 5)
check(t5["light"] == "red" and "连续" in t5["light_reason"], "no report for two periods -> red: %s" % t5["light_reason"])
st, j, _, _ = req(srv, "GET", "/api/v1/dashboard?period=2020-06", token=off)
reds = {t["id"]: t for t in j.get("red_tasks", [])} if st == 200 else {}
check(st == 200 and 5 in reds and "连续" in reds[5]["reason"] and len(reds) <= 10 and j["lights"]["red"] >= len(reds)
      and sum(d["red"] for d in j["by_dept"]) >= j["lights"]["red"],
      "the dashboard lists red tasks with their reasons, at most ten: %s" % str(j)[:400])
kj, _, _ = login(srv, "kj", PW)
st, j, _, _ = req(srv, "GET", "/api/v1/dashboard?period=2020-06", token=kj)
check(st == 200 and 0 < sum(j["lights"].values()) < 55 and any(d["dept"] == "区科学技术局" for d in j["by_dept"]),
      "a department's dashboard counts its own tasks: %s" % str(j.get("lights")))
st, j, _, _ = req(srv, "GET", "/api/v1/tasks/3?period=2020-04", token=off)
check(j["task"]["light"] == "yellow", "a closed period's light stays as frozen")
# An overdue task keeps reporting: task 2's window ended 2020-05-31; a June report is taken and
# reaching 100 % turns it green.
kj, _, _ = login(srv, "kj", PW)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, period="2020-06", progress=80), token=kj)
check(st == 201 and j["light"]["light"] == "red" and "逾期" in j["light"]["light_reason"], "overdue and unfinished: red")
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, period="2020-06", progress=100), token=kj)
check(st == 409, "June's late report cannot be amended: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, period="2020-07", progress=100), token=kj)
check(st == 201 and j["light"]["light"] == "green", "finished in July: green: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/tasks/2/reports", dict(rep, period="2020-03"), token=kj)
check(st == 422, "a period before the task's start -> 422: %d" % st)
check(srv.stop() == 0, "third server stops cleanly")

# ---------------------------------------------------------------- a pro-rata batch
# A clause whose yearly budget is shared at the batch close: the enterprise applies for two
# contracts and files the evidence, the office tries the batch and closes it; each application
# then shows its share, its line and its evidence, and a second close finds nothing to pay.
srv = Server("2020-09-01T02:00:00Z")
off, _, _ = login(srv, "office1", PW)
ent, _, _ = login(srv, "ent1", PW)
# 兑现时限: filed on 2020-04-01 and still undecided on 2020-09-01, an application is past the
# example pack's 60 working days; the list's filter finds it, and a late rejection stays late.
due = run("calendar", "after", "2020-04-01", "60").stdout.strip()
st, j, _, _ = req(srv, "POST", "/api/v1/applications", {"uscc": "52410700MA4KX0012C", "clause": "ip-transfer",
                  "on": "2020-04-01", "inputs": {"patents": 1, "institution_registered": "是"}}, token=off)
check(st == 201 and j["deadline"] == {"limit_workdays": 60, "due_on": due, "note": None},
      "an application filed in April, told when it is due: %d %s" % (st, j))
late_id = j.get("id", 0)
st, j, _, _ = req(srv, "GET", "/api/v1/applications?overdue=1", token=off)
rows = j.get("applications", []) if st == 200 else []
mine = next((a for a in rows if a["id"] == late_id), {})
check(st == 200 and mine and j["overdue"] == len(rows)
      and all(a["status"] == "submitted" and a["deadline"]["state"] == "overdue" for a in rows),
      "?overdue=1 lists the undecided applications past their deadline: %s" % str(j)[:400])
d = mine.get("deadline") or {}
check(d.get("due_on") == due and d.get("limit_workdays") == 60 and d.get("workdays", 0) > 40
      and "已超期" in d.get("text", ""), "how late, in working days: %s (due %s)" % (d, due))
st, _, payload, resp = req(srv, "GET", "/api/v1/applications?overdue=1&format=xlsx", token=off)
import io, zipfile
book = zipfile.ZipFile(io.BytesIO(payload)) if st == 200 and payload[:4] == b"PK\x03\x04" else None
strings = book.read("xl/sharedStrings.xml").decode() if book and "xl/sharedStrings.xml" in book.namelist() else ""
check(book and "applications-2020-09-01.xlsx" in resp.getheader("Content-Disposition", "")
      and "时限情况" in strings and d.get("text", "?") in strings and "申请台账" in book.read("xl/workbook.xml").decode(),
      "the overdue ones as a workbook, each with how late: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/applications?format=pdf", token=off)
check(st == 400 and j["error"]["field"] == "format", "only xlsx is offered: %d" % st)
st, j, _, _ = req(srv, "GET", "/api/v1/applications?overdue=2", token=off)
check(st == 400 and j["error"]["field"] == "overdue", "a bad overdue filter -> 400")
st, j, _, _ = req(srv, "GET", "/api/v1/applications?status=approved", token=off)
check(st == 200 and j["overdue"] == 0 and all(a["deadline"] is None or a["deadline"]["state"] in ("on_time", "late")
      for a in j["applications"]), "a decided application is on time or late, never overdue")
st, j, _, _ = req(srv, "GET", "/api/v1/inbox", token=off)
late_before = j.get("applications_overdue")
check(st == 200 and late_before == len(rows), "the navigation counts them: %s" % j)
st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/reject" % late_id, {"note": "逾期材料不全"}, token=off)
check(st == 200, "the late application rejected")
st, j, _, _ = req(srv, "GET", "/api/v1/inbox", token=off)
check(st == 200 and j.get("applications_overdue") == late_before - 1, "a decided one leaves the count: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % late_id, token=off)
check(st == 200 and j["deadline"]["state"] == "late" and j["deadline"]["workdays"] == d.get("workdays")
      and "办结" in j["deadline"]["text"], "decided today, it was decided late: %s" % j.get("deadline"))
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses", token=off)
ipt = next((c for c in j.get("clauses", []) if c["id"] == "ip-transfer"), {})
check(ipt.get("deadline", {}).get("workdays") == 60 and "兑现时限" in ipt.get("rule", ""),
      "the clause says its deadline: %s" % ipt.get("deadline"))
pr_pack = os.path.join(TMP, "prorata.pack")
with open(pr_pack, "w") as f:
    f.write("pack 测试：按比例\nversion p1\nclause grant-r\n  title 壬类补助\n  cite 测试〔2020〕5号 一\n"
            "  quote 按10%补助，预算内等比例\n  effective 2020-01-01 -\n  applicants enterprise\n"
            "  input amount money 金额（元）\n  input contract_no text 合同编号\n"
            "  input scale enum 小型|微型 企业规模\n  award amount * 10%\n"
            "  budget 100000 pro-rata 年度预算\n  exclusive deal contract_no\n  evidence 合同\nend\n")
r = run("policy", "load", pr_pack)
check(r.returncode == 0, "a pro-rata pack loaded: " + r.stderr)
st, j, _, _ = req(srv, "GET", "/api/v1/policy/clauses", token=ent)
gr = next((c for c in j.get("clauses", []) if c["id"] == "grant-r"), {})
scale = next((v for v in gr.get("vars", []) if v["name"] == "scale"), {})
check(gr.get("budget") == {"amount_fen": 10000000, "allocation": "pro-rata", "label": "年度预算"}
      and gr.get("matter_key") == "contract_no" and scale.get("options") == ["小型", "微型"],
      "the clause as a form: its budget, its matter and an input's choices: %s" % gr)
apps = []
for amount, no in (("600000", "R-1"), ("900000", "R-2")):
    st, j, _, _ = req(srv, "POST", "/api/v1/applications", {"uscc": FIRM, "clause": "grant-r", "inputs":
                      {"amount": amount, "contract_no": no, "scale": "小型"}}, token=ent)
    check(st == 201, "the enterprise applies for %s: %d %s" % (no, st, j))
    apps.append(j.get("id", 0))
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "grant-r", "year": 2020, "dry_run": True}, token=off)
check(st == 200, "the batch tried: %d %s" % (st, str(j)[:300]))
shares = j.get("shares", [])
check(len(shares) == 2 and not any(x["eligible"] for x in shares) and all("缺少证明材料：合同" in x["note"] for x in shares),
      "applications without their evidence are left out of the batch: %s" % shares)
for a in apps:
    st, j, _, _ = req(srv, "POST", "/api/v1/applications/%d/files?name=%s&evidence=%s" % (a, urllib.parse.quote("合同.pdf"),
                      urllib.parse.quote("合同")), raw=b"%PDF-1.4\n% contract\n", ctype="application/pdf", token=ent)
    check(st == 201, "the contract filed for application %d: %d %s" % (a, st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "grant-r", "year": 2020, "dry_run": True,
                  "budget": "120000"}, token=off)
check(st == 200 and [x["share_fen"] for x in j.get("shares", [])] == [4800000, 7200000] and j["paid_fen"] == 12000000,
      "the batch tried with a larger envelope: %s" % str(j)[:300])
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "grant-r", "year": 2020}, token=ent)
check(st == 403, "only the office closes a batch: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "grant-r", "year": 2020}, token=off)
check(st == 201 and j["approved"] == 2 and j["demand_fen"] == 15000000 and j["avail_fen"] == 10000000
      and j["paid_fen"] == 10000000 and j["batch"] > 0, "the batch closed: 150,000.00 asked of 100,000.00: %s" % j)
batch = j.get("batch")
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % apps[1], token=ent)
lines, evid = j.get("payouts", []), j.get("evidence", [])
check(st == 200 and j["status"] == "approved" and j["amount_fen"] == 6000000
      and [p["amount_fen"] for p in lines] == [6000000] and lines[0]["batch"] == batch and lines[0]["kind"] == "批次 %d" % batch
      and [e["label"] for e in evid] == ["合同"] and len(evid[0]["file_ids"]) == 1,
      "the enterprise sees its share, its batch line and its evidence: %s" % str(j)[:600])
st, j, _, _ = req(srv, "POST", "/api/v1/policy/batches", {"clause": "grant-r", "year": 2020}, token=off)
check(st in (404, 422), "nothing left to close: %d %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/ledger/verify", token=off)
check(st == 200 and j["ok"], "the batch replays: %s" % j)
st, j, _, _ = req(srv, "GET", "/api/v1/payouts?uscc=%s&year=2020" % FIRM, token=off)
check(st == 200 and j["payouts"] and all(p["uscc"] == FIRM for p in j["payouts"])
      and sum(p["amount_fen"] for p in j["payouts"]) == j["total_fen"]
      and sum(1 for p in j["payouts"] if p["clause"] == "grant-r") == 2,
      "the office reads one enterprise's ledger: %s" % str(j)[:300])
st, j, _, _ = req(srv, "GET", "/api/v1/payouts?uscc=914403001922038216", token=off)
check(st == 404 and j["error"]["field"] == "uscc", "an unregistered USCC is named: %d %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/payouts?uscc=914403001922038215", token=off)
check(st == 400 and j["error"]["field"] == "uscc", "a USCC with a wrong check character is refused: %d %s" % (st, j))
# Certified facts that do not name the contract: the enterprise applies itself (快申快享) and
# is told to give the contract number.
facts_csv = ("uscc,fact,value,source,date\n%s,amount,300000.00,技术合同登记,2020-08-01\n" % FIRM).encode()
st, j, _, _ = req(srv, "POST", "/api/v1/entities/import?name=amount.csv", raw=facts_csv, ctype="text/csv", token=off)
check(st == 201, "an amount imported: %d %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/entitlements", token=ent)
row = next((c for c in j.get("clauses", []) if c["clause"] == "grant-r"), {})
check(st == 200 and row.get("state") == "qualifies" and row.get("route") == "快申快享"
      and row.get("matter_missing") == "contract_no" and "申请时须填写合同编号（contract_no）" in row.get("explanation", ""),
      "a match whose facts do not name the contract goes to the enterprise: %s" % row)
# Accounts over the API: the admin lists and creates them (a department or an entity, not both)
# and resets a password; a user changes their own, which ends their sessions.
adm, _, _ = login(srv, "admin1", PW)
st, j, _, _ = req(srv, "GET", "/api/v1/users", token=adm)
names = {u["name"]: u for u in j.get("users", [])}
check(st == 200 and names.get("kj", {}).get("dept") == "区科学技术局" and names.get("ent1", {}).get("entity") == FIRM
      and names.get("jf", {}).get("disabled") is True, "the accounts with their departments, entities and state: %s" % str(j)[:300])
st, j, _, _ = req(srv, "GET", "/api/v1/users", token=off)
check(st == 403, "only the admin lists accounts: %d" % st)
st, j, _, _ = req(srv, "POST", "/api/v1/users", {"name": "kj2", "role": "dept", "dept": "区科学技术局", "password": PW}, token=adm)
check(st == 201 and j["user"]["name"] == "kj2" and j["user"]["role"] == "dept" and j["user"]["dept"] == "区科学技术局",
      "the admin creates a department account: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/users", {"name": "qy2", "role": "enterprise", "entity": FIRM, "password": PW}, token=adm)
check(st == 201 and j["user"]["entity"] == FIRM, "and an enterprise account: %d %s" % (st, j))
for body, field in [({"name": "x1", "role": "dept", "dept": "区科学技术局", "entity": FIRM, "password": PW}, "entity"),
                    ({"name": "x2", "role": "chief", "password": PW}, "role"),
                    ({"name": "x3", "role": "enterprise", "entity": "914403001922038215", "password": PW}, "entity"),
                    ({"name": "kj2", "role": "dept", "dept": "区科学技术局", "password": PW}, "kj2")]:
    st, j, _, _ = req(srv, "POST", "/api/v1/users", body, token=adm)
    check(st in (400, 409) and j["error"]["field"] == field, "a bad account is refused naming %s: %d %s" % (field, st, j))
kj2, _, _ = login(srv, "kj2", PW)
st, j, _, _ = req(srv, "POST", "/api/v1/me/password", {"old_password": "wrong one 1", "new_password": "new horse 4242"}, token=kj2)
check(st == 403 and j["error"]["field"] == "old_password", "a wrong old password is refused: %d %s" % (st, j))
st, j, _, _ = req(srv, "POST", "/api/v1/me/password", {"old_password": PW, "new_password": "new horse 4242"}, token=kj2)
check(st == 200, "a user changes their password: %d %s" % (st, j))
st, j, _, _ = req(srv, "GET", "/api/v1/tasks", token=kj2)
check(st == 401, "which ends the session: %d" % st)
t, st, _ = login(srv, "kj2", "new horse 4242")
check(st == 200 and t, "the new password opens a session")
st, j, _, _ = req(srv, "POST", "/api/v1/users/kj2/password", {"password": "admin set 4343"}, token=adm)
check(st == 200, "the admin resets it: %d %s" % (st, j))
t2, st, _ = login(srv, "kj2", "admin set 4343")
check(st == 200 and t2, "the reset password works")
st, j, _, _ = req(srv, "POST", "/api/v1/users/kj2/password", {"password": "x"}, token=off)
check(st == 403, "only the admin resets passwords: %d" % st)
# A department name merged into another over the API.
st, j, _, _ = req(srv, "POST", "/api/v1/departments/aliases", {"alias": "科技局", "canonical": "区科学技术局"}, token=adm)
check(st in (200, 201), "an alias merged over the API: %d %s" % (st, j))
r = run("dept", "list", "--json")
check(r.returncode == 0 and any(d["name"] == "科技局" and d.get("alias_of") == "区科学技术局" for d in json.loads(r.stdout)),
      "the alias points at its department: %s" % r.stdout[:300])
st, j, _, _ = req(srv, "POST", "/api/v1/departments/aliases", {"alias": "科技局", "canonical": "没有这个部门"}, token=adm)
check(st in (400, 404, 409), "an alias to an unknown department is refused: %d %s" % (st, j))
check(srv.stop() == 0, "fourth server stops cleanly")

# ---------------------------------------------------------------- the calendar changed while serving
# A holiday the office adds while the server runs (`hqd calendar add`, another process) counts
# from the next second on (the server looks at most once a second): an application past its
# 兑现时限 is a working day less late when the holiday falls between its due date and today, and
# keeps the due date it was given on filing.
r = run("policy", "load", os.path.join(SRC, "data", "policy", "plan-2020-28.pack"))
check(r.returncode == 0, "the example pack in force again: %s" % r.stderr)
srv = Server("2020-09-01T02:00:00Z")
off, _, _ = login(srv, "office1", PW)
st, j, _, _ = req(srv, "POST", "/api/v1/applications", {
    "uscc": "91410700MA44XW1K27", "clause": "first-set-equipment", "on": "2020-04-01",
    "inputs": {"price": "100000", "equipment_certified": "是", "buyer_in_province": "是",
               "equipment_no": "SB-CAL-1"}}, token=off)
app_id = (j or {}).get("id", 0)
due = run("calendar", "after", "2020-04-01", "60").stdout.strip()
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % app_id, token=off)
late = ((j or {}).get("deadline") or {}).get("workdays", 0)
check(st == 200 and j["deadline"]["due_on"] == due and j["deadline"]["state"] == "overdue" and late > 40,
      "filed in April, undecided in September: %s" % (j or {}).get("deadline"))
r = run("calendar", "add", "-", stdin="2020-08-31 holiday 测试假日\n")
check(r.returncode == 0, "a holiday added while the server runs: %s" % r.stderr)
time.sleep(1.2)
st, j, _, _ = req(srv, "GET", "/api/v1/applications/%d" % app_id, token=off)
got = (j or {}).get("deadline") or {}
check(st == 200 and got.get("workdays") == late - 1 and got.get("due_on") == due,
      "a working day less late (%d), the same due date: %s" % (late - 1, got))
check(srv.stop() == 0, "fifth server stops cleanly")
check("工作日历已更新" in open(os.path.join(TMP, "server.log")).read(), "the server says it took the new calendar")

# ---------------------------------------------------------------- logs and audit
log = open(os.path.join(TMP, "server.log")).read()
check(PW not in log and all(t not in log for t in tok.values() if t), "logs hold no password or token")
check("POST /api/v1/tasks/1/reports 201" in log and " kj " in log, "one log line per request with the user")
r = run("audit", "verify")
check(r.returncode == 0, "audit chain intact after the API session: " + r.stdout)
import sqlite3
con = sqlite3.connect(DB)
actions = {a for (a,) in con.execute("SELECT action FROM audit_log")}
for a in ("report.submit", "report.amend", "attachment.add", "task.dates", "period.close", "user.disable", "user.login",
          "notice.issue", "notice.sign", "notice.answer", "notice.return", "notice.accept", "closure.request",
          "closure.approve", "task.reopen"):
    check(a in actions, "audited: " + a)
con.close()

print("api_test: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
