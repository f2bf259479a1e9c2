-- hqd schema 4: indexes for the per-request reads of the ledger.
CREATE INDEX tasks_plan_deadline ON tasks(plan_id, deadline);
CREATE INDEX task_depts_task ON task_depts(task_id, role, position);
CREATE INDEX reports_task_role_period ON reports(task_id, role, period, version);
CREATE INDEX items_plan_parent ON items(plan_id, parent_id);
