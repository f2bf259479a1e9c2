#!/usr/bin/env python3
"""Three scripted months of supervision over the seed plan; April's and June's 通报 checked number
by number in all three formats; the second quarter's 考核.

    bulletin_test.py HQD SOURCE_DIR

Scenario (plan signed 2020-03-31, monthly, April's reports due 2020-05-11):
  2020-05-06  区科学技术局 reports all its lead tasks on time (progress 10 %);
              区经济发展局 reports all but two; the office narrows one 区服务业促进局 task to April
              (so it is overdue, red), issues a 提醒 with one working day on another, and the lead of
              task 1 asks to close it.
  2020-05-08, 05-14, 05-19  the automatic rules run: the 提醒 escalates to 催办, then 督办,
              then an accountability event.
  2020-05-20  区人力资源部 reports its lead tasks late; the office approves task 1's closure.
  2020-05-21  the office generates, reviews and publishes April's bulletin.
  2020-06-03, 07-03, 07-09  May and June reports (on time, missing, late); June's bulletin on 07-13.
Expected numbers are derived here from the scenario and the declared rules, not read back.
Prints "bulletin_test: N passed, M failed".
"""
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
HQD, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="hqd-bulletin-")
DB = os.path.join(TMP, "hqd.db")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args, stdin=None, now=None):
    env = dict(os.environ)
    if now:
        env["HQD_NOW"] = now
    return subprocess.run([HQD, *args, "--db", DB], input=stdin, capture_output=True, text=True, env=env)


import http.client
import signal


class Server:
    def __init__(self, now):
        env = dict(os.environ, HQD_NOW=now)
        self.p = subprocess.Popen([HQD, "serve", "--db", DB, "--listen", "127.0.0.1:0", "--quiet"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.port = int(self.p.stdout.readline().rsplit(":", 1)[1])

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=20)


def req(srv, method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    h = {"Authorization": "Bearer " + token} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    c.close()
    try:
        j = json.loads(payload)
    except ValueError:
        j = None
    return r.status, j, payload


def login(srv, name):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    c.request("POST", "/api/v1/session", body=json.dumps({"name": name, "password": PW}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    return r.getheader("Set-Cookie").split(";")[0].split("=", 1)[1]


PW = "scenario-pass-1"
assert run("plan", "import", os.path.join(SRC, "examples", "plan-2020-28.txt")).returncode == 0
for name, role, dept in [("office1", "office", None), ("kj", "dept", "区科学技术局"),
                         ("jf", "dept", "区经济发展局"), ("rl", "dept", "区人力资源部"),
                         ("fw", "dept", "区服务业促进局")]:
    args = ["user", "add", name, "--role", role] + (["--dept", dept] if dept else [])
    assert run(*args, stdin=PW + "\n").returncode == 0

REP = {"period": "2020-04", "progress": 10, "done": "按计划推进", "problems": "", "next": "继续推进"}

# ---------------------------------------------------------------- 2020-05-06
srv = Server("2020-05-06T02:00:00Z")
tok = {n: login(srv, n) for n in ("office1", "kj", "jf", "rl", "fw")}
st, j, _ = req(srv, "GET", "/api/v1/tasks?per_page=200", token=tok["office1"])
TASKS = {t["id"]: t for t in j["tasks"]}
leads = {tid: set(t["lead"].split("、")) for tid, t in TASKS.items()}
led_by = lambda d: sorted(tid for tid, ls in leads.items() if d in ls)
on_time, late_set, reported = set(), set(), set()
for tid in led_by("区科学技术局"):
    st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, REP, token=tok["kj"])
    check(st == 201, "kj reports %d" % tid)
    on_time.add(tid)
jf_tasks = [t for t in led_by("区经济发展局") if t not in on_time]
jf_skip = set(jf_tasks[:2])
for tid in jf_tasks:
    if tid in jf_skip:
        continue
    st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, REP, token=tok["jf"])
    check(st == 201, "jf reports %d" % tid)
    on_time.add(tid)
fw_tasks = led_by("区服务业促进局")
red_task, notice_task = fw_tasks[0], fw_tasks[1]
st, j, _ = req(srv, "PUT", "/api/v1/tasks/%d/dates" % red_task, {"start_on": "2020-04-01", "due_on": "2020-04-30"}, token=tok["office1"])
check(st == 200, "office narrows task %d to April" % red_task)
st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/notices" % notice_task, {"level": "remind", "reason": "请报送进展", "limit_wd": 1}, token=tok["office1"])
check(st == 201, "office issues a 提醒")
st, j, _ = req(srv, "POST", "/api/v1/tasks/1/closure", {"evidence": "平台已建成"}, token=tok["kj"])
check(st == 201, "closure requested for task 1")
closure_id = j["id"]
srv.stop()

# ---------------------------------------------------------------- the ladder
# On 05-08 the red task also gets an automatic 催办, which then climbs its own ladder.
for day, expect in (("2020-05-08T02:00:00Z", ("红灯催办 1 件", "逾期升级 1 件")),
                    ("2020-05-14T02:00:00Z", ("逾期升级 2 件",)),
                    ("2020-05-19T02:00:00Z", ("约谈候选 2 件",)),
                    ("2020-05-20T01:00:00Z", ("约谈候选 0 件",))):
    r = run("supervise", "run", now=day)
    check(r.returncode == 0 and all(x in r.stdout for x in expect), "supervise run %s: %s" % (day, r.stdout.strip()))

# ---------------------------------------------------------------- 2020-05-20: late reports, closure
srv = Server("2020-05-20T02:00:00Z")
tok = {n: login(srv, n) for n in ("office1", "rl")}
for tid in led_by("区人力资源部"):
    st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, REP, token=tok["rl"])
    check(st == 201 and j["report"]["late"], "rl reports %d late" % tid)
    late_set.add(tid)
st, j, _ = req(srv, "POST", "/api/v1/closures/%d/approve" % closure_id, token=tok["office1"])
check(st == 200, "office approves task 1's closure")
st, j, _ = req(srv, "GET", "/api/v1/tasks/%d/notices" % notice_task, token=tok["office1"])
levels = [n["level"] for n in j["notices"]]
check(levels == ["supervise", "urge", "remind"] and j["notices"][0]["accountable"], "the notice escalated twice: %s" % levels)
srv.stop()

# ---------------------------------------------------------------- expected numbers
closed = {1}
total = len(TASKS)
due = {t for t in TASKS if t not in closed}
late_tasks = {t for t in due if t in late_set}
on_time_tasks = {t for t in due if t in on_time and t not in late_set}
missing_tasks = due - late_tasks - on_time_tasks
# Lights by the declared rule (DESIGN §4), from each task's 序时进度 and window as the API states
# them: closed green; past due and unfinished red; behind > 30 red; behind >= 10 or late yellow.
srv = Server("2020-05-21T02:00:00Z")
st, j, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&period=2020-04", token=login(srv, "office1"))
srv.stop()
red, yellow = set(), set()
for t in j["tasks"]:
    tid, exp_ = t["id"], t["expected"]
    prog = 10 if tid in (on_time | late_set) else 0
    if tid in closed:
        continue
    if t["due_on"] < "2020-04-30" or exp_ - prog > 30:
        red.add(tid)
    elif exp_ - prog >= 10 or tid in late_tasks:
        yellow.add(tid)
green = set(TASKS) - yellow - red
check(red_task in red, "the narrowed task is red by the rule")


def pct(a, b):
    t = (a * 2000 + b) // (2 * b)
    return "%d.%d" % (t // 10, t % 10)


sentence = "本期应报任务%d项，按时报送%d项，按时报送率%s%%。" % (len(due), len(on_time_tasks), pct(len(on_time_tasks), len(due)))
depts = {}
for tid in TASKS:
    for d in leads[tid]:
        s = depts.setdefault(d, dict(led=0, due=0, on_time=0, late=0, missing=0, red=0, yellow=0))
        s["led"] += 1
        s["red"] += tid in red
        s["yellow"] += tid in yellow
        if tid in due:
            s["due"] += 1
            s["on_time"] += tid in on_time_tasks
            s["late"] += tid in late_tasks
            s["missing"] += tid in missing_tasks

# ---------------------------------------------------------------- 2020-05-21: the bulletin
srv = Server("2020-05-21T02:00:00Z")
off = login(srv, "office1")
st, j, _ = req(srv, "POST", "/api/v1/bulletins", {"plan_id": 1, "period": "2020-04"}, token=off)
check(st == 201, "draft generated")
bid = j["id"]
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d" % bid, token=off)
c = j["content"]
h = c["headline"]
check(h["tasks"] == total and h["closed"] == 1, "tasks %d, closed %d" % (h["tasks"], h["closed"]))
check(h["due"] == len(due) and h["on_time"] == len(on_time_tasks) and h["late"] == len(late_tasks)
      and h["missing"] == len(missing_tasks), "reports due/on time/late/missing: %s" % h)
check(h["green"] == len(green) and h["yellow"] == len(yellow) and h["red"] == len(red), "lights: %s" % h)
check(c["sentences"][0] == sentence, "sentence: %s != %s" % (c["sentences"][0], sentence))
for row in c["departments"]:
    s = depts.get(row["dept"])
    if s is None:
        continue
    for k in ("led", "due", "on_time", "late", "missing", "red", "yellow"):
        check(row[k] == s[k], "%s %s: %s != %s" % (row["dept"], k, row[k], s[k]))
    check(row["on_time_rate"] == (pct(s["on_time"], s["due"]) if s["due"] else "—"), "%s rate" % row["dept"])
check({t["id"] for t in c["red_tasks"]} == red and {t["id"] for t in c["yellow_tasks"]} == yellow, "red and yellow lists")
# The declared rules, applied here independently.
exp_praise = sorted(d for d, s in depts.items() if s["due"] and s["on_time"] == s["due"] and not s["red"] and not s["yellow"])
exp_critic = sorted(d for d, s in depts.items() if s["red"] or s["late"] or s["missing"] or d == "区服务业促进局")
check(sorted(c["praise"]) == exp_praise, "praise %s != %s" % (c["praise"], exp_praise))
check(sorted(x["dept"] for x in c["critic"]) == exp_critic, "critic %s != %s" % ([x["dept"] for x in c["critic"]], exp_critic))
fw = next(x for x in c["critic"] if x["dept"] == "区服务业促进局")
check("督办逾期未反馈2件" in fw["reason"] and "红灯任务1项" in fw["reason"], "critic reason: %s" % fw["reason"])

# A draft is the office's: a department neither lists nor reads nor downloads it.
kj = login(srv, "kj")
st, j, _ = req(srv, "GET", "/api/v1/bulletins?plan=1", token=off)
check(st == 200 and [b["id"] for b in j["bulletins"]] == [bid] and j["bulletins"][0]["status"] == "draft",
      "the office lists its draft: %s" % j)
st, j, _ = req(srv, "GET", "/api/v1/bulletins?plan=1", token=kj)
check(st == 200 and j["bulletins"] == [], "a department lists no draft: %s" % j)
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d" % bid, token=kj)
check(st == 404, "a department cannot read a draft: %d" % st)
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d/export?format=html" % bid, token=kj)
check(st == 404, "nor download it: %d" % st)
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d/export?format=pdf" % bid, token=off)
check(st == 400 and j["error"]["field"] == "format", "an unknown format is refused: %d %s" % (st, j))
st, j, _ = req(srv, "GET", "/api/v1/bulletins/999", token=off)
check(st == 404, "an unknown bulletin: %d" % st)
st, j, _ = req(srv, "POST", "/api/v1/bulletins", {"plan_id": 1}, token=off)
check(st == 400 and j["error"]["field"] == "period", "a bulletin needs its period: %d %s" % (st, j))
st, j, _ = req(srv, "POST", "/api/v1/bulletins", {"plan_id": 1, "period": "2020-04"}, token=kj)
check(st == 403, "a department does not generate bulletins: %d" % st)
st, j, _ = req(srv, "POST", "/api/v1/bulletins/%d/publish" % bid, token=off)
check(st == 200 and j["bulletin"]["number"] == 1, "published as 第1期")
st, j, _ = req(srv, "GET", "/api/v1/bulletins?plan=1", token=kj)
check(st == 200 and [b["id"] for b in j["bulletins"]] == [bid], "once published, departments list it: %s" % j)
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d" % bid, token=kj)
check(st == 200 and j["content"]["headline"]["tasks"] == total, "and read it: %d" % st)
info = j["bulletin"]
st, j, _ = req(srv, "POST", "/api/v1/bulletins/%d/publish" % bid, token=off)
check(st == 409, "republishing is refused")
st, j, _ = req(srv, "POST", "/api/v1/bulletins", {"plan_id": 1, "period": "2020-04"}, token=off)
check(st == 409, "regenerating a published period is refused")
files = {}
for f in ("html", "xlsx", "docx"):
    st, _, a = req(srv, "GET", "/api/v1/bulletins/%d/export?format=%s" % (bid, f), token=off)
    files[f] = a
    check(st == 200 and hashlib.sha256(a).hexdigest() == info["sha256"][f], "%s matches its stored SHA-256" % f)
srv.stop()

# Later facts do not change the published bulletin.
srv = Server("2026-11-28T02:00:00Z")
jf = login(srv, "jf")
off = login(srv, "office1")
st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % sorted(jf_skip)[0], REP, token=jf)
check(st == 201 and j["report"]["late"], "a report arrives years later")
for f in ("html", "xlsx", "docx"):
    st, _, a = req(srv, "GET", "/api/v1/bulletins/%d/export?format=%s" % (bid, f), token=off)
    check(st == 200 and a == files[f], "%s re-downloads byte-identical" % f)
srv.stop()

# ---------------------------------------------------------------- May and June
# 2020-06-03 (May, on time): kj reports every open lead task at 30 %, jf all but the same two.
# 2020-07-03 (June, on time): kj at 50 %, jf every task at 50 %. 2020-07-09 (June, late: due
# 07-07): rl at 20 %. fw never reports. On 2020-07-13 the office publishes June's bulletin.
history = {}  # task -> [(period, progress, late)]
for tid in on_time | late_set:
    history.setdefault(tid, []).append(("2020-04", 10, tid in late_set))
history.setdefault(sorted(jf_skip)[0], []).append(("2020-04", 10, True))  # the 2026 report
srv = Server("2020-06-03T02:00:00Z")
tok = {n: login(srv, n) for n in ("kj", "jf")}
for who, tids in (("kj", led_by("区科学技术局")), ("jf", [t for t in jf_tasks if t not in jf_skip])):
    for tid in tids:
        if tid in closed:
            continue
        st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, dict(REP, period="2020-05", progress=30), token=tok[who])
        check(st == 201 and not j["report"]["late"], "%s reports %d for May" % (who, tid))
        history.setdefault(tid, []).append(("2020-05", 30, False))
st, j, _ = req(srv, "POST", "/api/v1/tasks/1/reports", dict(REP, period="2020-05"), token=tok["kj"])
check(st == 409, "the closed task takes no May report")
srv.stop()
srv = Server("2020-07-03T02:00:00Z")
tok = {n: login(srv, n) for n in ("kj", "jf")}
june_on_time = set()
for who, tids in (("kj", led_by("区科学技术局")), ("jf", jf_tasks)):
    for tid in tids:
        if tid in closed or tid in june_on_time:
            continue
        st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, dict(REP, period="2020-06", progress=50), token=tok[who])
        check(st == 201 and not j["report"]["late"], "%s reports %d for June" % (who, tid))
        history.setdefault(tid, []).append(("2020-06", 50, False))
        june_on_time.add(tid)
srv.stop()
srv = Server("2020-07-09T02:00:00Z")
rl = login(srv, "rl")
june_late = set()
for tid in led_by("区人力资源部"):
    if tid in closed or tid in june_on_time:
        continue
    st, j, _ = req(srv, "POST", "/api/v1/tasks/%d/reports" % tid, dict(REP, period="2020-06", progress=20), token=rl)
    check(st == 201 and j["report"]["late"], "rl reports %d for June, late" % tid)
    history.setdefault(tid, []).append(("2020-06", 20, True))
    june_late.add(tid)
srv.stop()

srv = Server("2020-07-13T02:00:00Z")
off = login(srv, "office1")
st, j, _ = req(srv, "GET", "/api/v1/tasks?per_page=200&period=2020-06", token=off)
JUNE = {t["id"]: t for t in j["tasks"]}
# The light rule again, now with progress carried forward and 连续未报 (two missed periods red).
j_due = {t for t in TASKS if t not in closed}
j_late = j_due & june_late
j_on_time = j_due & june_on_time
j_missing = j_due - j_late - j_on_time
j_red, j_yellow = set(), set()
for tid in j_due:
    t = JUNE[tid]
    h = history.get(tid, [])
    prog = h[-1][1] if h else 0
    periods = {x[0] for x in h}
    run = 0
    for per in ("2020-06", "2020-05", "2020-04"):
        if per in periods:
            break
        run += 1
    behind = t["expected"] - prog
    if t["start_on"] > "2020-06-30":
        continue
    if t["due_on"] < "2020-06-30" and prog < 100:
        j_red.add(tid)
    elif run >= 2 or behind > 30:
        j_red.add(tid)
    elif behind >= 10 or tid in j_late:
        j_yellow.add(tid)
j_green = set(TASKS) - j_red - j_yellow
check(JUNE[red_task]["light"] == "red" and all(JUNE[t]["light"] == "red" for t in led_by("区服务业促进局") if t not in closed),
      "fw's tasks, never reported, are red")
st, j, _ = req(srv, "POST", "/api/v1/bulletins", {"plan_id": 1, "period": "2020-06"}, token=off)
check(st == 201, "June draft generated")
jbid = j["id"]
st, j, _ = req(srv, "GET", "/api/v1/bulletins/%d" % jbid, token=off)
c = j["content"]
h = c["headline"]
check(h["due"] == len(j_due) and h["on_time"] == len(j_on_time) and h["late"] == len(j_late)
      and h["missing"] == len(j_missing), "June reports due/on time/late/missing: %s" % h)
check(h["green"] == len(j_green) and h["yellow"] == len(j_yellow) and h["red"] == len(j_red),
      "June lights %s != green %d yellow %d red %d" % (h, len(j_green), len(j_yellow), len(j_red)))
j_sentence = "本期应报任务%d项，按时报送%d项，按时报送率%s%%。" % (len(j_due), len(j_on_time), pct(len(j_on_time), len(j_due)))
check(c["sentences"][0] == j_sentence, "June sentence: %s != %s" % (c["sentences"][0], j_sentence))
check({t["id"] for t in c["red_tasks"]} == j_red and {t["id"] for t in c["yellow_tasks"]} == j_yellow, "June red and yellow lists")
for row in c["departments"]:
    mine = [tid for tid in TASKS if row["dept"] in leads[tid]]
    if not mine:
        continue
    exp_row = dict(led=len(mine), due=len([t for t in mine if t in j_due]),
                   on_time=len([t for t in mine if t in j_on_time]), late=len([t for t in mine if t in j_late]),
                   missing=len([t for t in mine if t in j_missing]), red=len([t for t in mine if t in j_red]),
                   yellow=len([t for t in mine if t in j_yellow]))
    for k, v in exp_row.items():
        check(row[k] == v, "June %s %s: %s != %s" % (row["dept"], k, row[k], v))
st, j, _ = req(srv, "POST", "/api/v1/bulletins/%d/publish" % jbid, token=off)
check(st == 200 and j["bulletin"]["number"] == 2, "June published as 第2期")
for f in ("html", "xlsx", "docx"):
    st, _, a = req(srv, "GET", "/api/v1/bulletins/%d/export?format=%s" % (jbid, f), token=off)
    text = a.decode("utf-8") if f == "html" else "".join(
        zipfile.ZipFile(io.BytesIO(a)).read(n).decode() for n in
        (("xl/sharedStrings.xml",) if f == "xlsx" else ("word/document.xml",)))
    check(st == 200 and j_sentence in text and "第2期" in text if f != "xlsx" else j_sentence in text,
          "June %s carries its sentence" % f)
srv.stop()

# ---------------------------------------------------------------- 考核 of the second quarter
srv = Server("2020-07-10T02:00:00Z")
off = login(srv, "office1")
st, j, _ = req(srv, "GET", "/api/v1/assessment/rules?plan=1", token=off)
check(st == 200 and j["versions"][0]["version"] == 1 and j["versions"][0]["rules"]["weights"]["timeliness"] == 30,
      "the default rules are version 1 and public")
st, j, _ = req(srv, "POST", "/api/v1/assessments", {"plan_id": 1, "period": "2020-Q2"}, token=off)
check(st == 201, "Q2 assessed")
a1 = j["id"]
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % a1, token=off)
res1 = j["assessment"]["results"]
check(len(res1) >= 5, "every lead department is scored")
for r in res1:
    check(r["score"] == sum(l["points"] for l in r["lines"]), "%s: score equals its drill-down" % r["dept"])
ranks = [r["rank"] for r in res1]
scores = [r["score"] for r in res1]
check(all(scores[i] >= scores[i + 1] for i in range(len(scores) - 1)), "ranked by score")
check(all((ranks[i + 1] == ranks[i]) == (scores[i + 1] == scores[i]) for i in range(len(ranks) - 1)),
      "ties share a rank")
fwr = next(r for r in res1 if r["dept"] == "区服务业促进局")
acc = [l for l in fwr["lines"] if l["item"] == "accountability"]
check(acc and acc[0]["points"] == -400, "two unanswered 督办 cost 2 points each: %s" % acc)
kjr = next(r for r in res1 if r["dept"] == "区科学技术局")
early = [l for l in kjr["lines"] if l["item"] == "closed_early"]
check(early and early[0]["points"] == 100, "a task closed early adds a point: %s" % early)
kj = login(srv, "kj")
st, j, _ = req(srv, "GET", "/api/v1/assessments?plan=1", token=kj)
check(st == 200 and a1 not in [a["id"] for a in j["assessments"]], "a department lists no draft assessment: %s" % j)
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % a1, token=kj)
check(st == 404, "nor reads it: %d" % st)
st, j, _ = req(srv, "GET", "/api/v1/assessments?plan=1", token=off)
check(st == 200 and a1 in [a["id"] for a in j["assessments"]], "the office does: %s" % j)
st, j, _ = req(srv, "POST", "/api/v1/assessments/%d/publish" % a1, token=off)
check(st == 200, "assessment published")
st, j, _ = req(srv, "GET", "/api/v1/assessments?plan=1", token=kj)
check(st == 200 and a1 in [a["id"] for a in j["assessments"]], "once published, departments list it: %s" % j)
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % a1, token=kj)
check(st == 200 and j["assessment"]["results"] == res1, "and read it: %d" % st)
st, j, _ = req(srv, "POST", "/api/v1/assessments/%d/publish" % a1, token=off)
check(st == 409, "republishing an assessment is refused")
new_rules = {"weights": {"timeliness": 50, "progress": 20, "completion": 20, "notices": 10},
             "adjust": {"accountability": -300}}
st, j, _ = req(srv, "POST", "/api/v1/assessment/rules", {"plan_id": 1, "rules": new_rules}, token=off)
check(st == 201 and j["version"] == 2, "a new rule version")
st, j, _ = req(srv, "POST", "/api/v1/assessment/rules", {"plan_id": 1, "rules": {"weights": {"timeliness": 60}}}, token=off)
check(st == 400, "weights that do not sum to 100 are refused")
st, j, _ = req(srv, "POST", "/api/v1/assessments", {"plan_id": 1, "period": "2020-Q2"}, token=off)
a2 = j["id"]
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % a2, token=off)
check(j["assessment"]["rules_version"] == 2 and j["assessment"]["results"] != res1, "re-run with version 2 differs")
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % a1, token=off)
check(j["assessment"]["results"] == res1 and j["assessment"]["rules_version"] == 1 and j["assessment"]["status"] == "published",
      "the published version is untouched")
st, j, _ = req(srv, "POST", "/api/v1/assessments", {"plan_id": 1, "period": "2020-Q3"}, token=off)
check(st == 422, "a quarter that has not ended -> 422")
st, j, _ = req(srv, "POST", "/api/v1/assessments", {"plan_id": 1, "period": "2020"}, token=off)
check(st == 422, "nor a year: %d" % st)
srv.stop()

# ---------------------------------------------------------------- 考核 of the year
srv = Server("2021-01-15T02:00:00Z")
off = login(srv, "office1")
st, j, _ = req(srv, "POST", "/api/v1/assessments", {"plan_id": 1, "period": "2020"}, token=off)
check(st == 201, "the year 2020 assessed once it has ended: %d %s" % (st, j))
st, j, _ = req(srv, "GET", "/api/v1/assessments/%d" % j.get("id", 0), token=off)
year = j.get("assessment", {})
check(year.get("period") == "2020" and len(year.get("results", [])) >= 5
      and all(r["score"] == sum(l["points"] for l in r["lines"]) for r in year["results"]),
      "every department scored over the year, each score its drill-down: %s" % str(year)[:300])
fwy = next((r for r in year.get("results", []) if r["dept"] == "区服务业促进局"), {})
check(any(l["item"] == "accountability" for l in fwy.get("lines", [])), "the year counts the quarter's 督办 too: %s" % fwy)
srv.stop()

# ---------------------------------------------------------------- the three formats
html = files["html"].decode("utf-8")
check(sentence in html and "第1期" in html and "<svg" in html and "区服务业促进局" in html, "HTML carries the numbers")
x = zipfile.ZipFile(io.BytesIO(files["xlsx"]))
strings = re.findall(r"<t[^>]*>([^<]*)</t>", x.read("xl/sharedStrings.xml").decode())
sheet = x.read("xl/worksheets/sheet1.xml").decode()
cells = {}
for attrs, inner in re.findall(r"<c ([^>]*)>(.*?)</c>", sheet):
    ref = re.search(r'r="([A-Z]+\d+)"', attrs).group(1)
    v = re.search(r"<v>([^<]*)</v>", inner)
    if v:
        cells[ref] = strings[int(v.group(1))] if 't="s"' in attrs else v.group(1)
labels = {cells.get("A%d" % r): cells.get("B%d" % r) for r in range(1, 40)}
check(labels.get("任务总数") == str(total) and labels.get("本期应报") == str(len(due))
      and labels.get("按时报送") == str(len(on_time_tasks)) and labels.get("红灯") == str(len(red)),
      "xlsx summary sheet numbers: %s" % labels)
check(sentence in strings, "xlsx carries the sentence")
check(len(re.findall(r"<row ", x.read("xl/worksheets/sheet3.xml").decode())) == total + 1, "xlsx task sheet has every task")
d = zipfile.ZipFile(io.BytesIO(files["docx"]))
doc = d.read("word/document.xml").decode()
check(sentence in doc and "仿宋_GB2312" in doc and "黑体" in doc and "方正小标宋简体" in doc
      and 'w:top="2098"' in doc, "docx: 公文 fonts, margins and the sentence")
soffice = shutil.which("soffice") or shutil.which("libreoffice")
if soffice:
    path = os.path.join(TMP, "bulletin.docx")
    open(path, "wb").write(files["docx"])
    r = subprocess.run([soffice, "--headless", "--norestore", "-env:UserInstallation=file://" + TMP + "/lo",
                        "--convert-to", "pdf", "--outdir", TMP, path], capture_output=True, text=True, timeout=240)
    pdf = os.path.join(TMP, "bulletin.pdf")
    check(os.path.exists(pdf) and open(pdf, "rb").read(4) == b"%PDF", "LibreOffice converts the docx to PDF: " + r.stderr[-300:])
else:
    check(False, "LibreOffice (soffice) is not installed: scripts/deps.sh test installs it")

shutil.rmtree(TMP, ignore_errors=True)
print("bulletin_test: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
