# The case's stored next deadline (issue 24): Case.next_due_at and Case.first_warn_at are
# the earliest due and warning moments of its running clocks (not stopped, not paused:
# deadlines.selectors.clocks.running_clocks), kept by triggers so that every writer of a
# clock (the services, bulk .update() calls, raw SQL) keeps them without knowing:
#
# - on the clock table, after an insert, a delete, or an update that changes due_at,
#   warn_at, stopped_at or case_id (and only then: the scans mark warned_at and
#   breached_at on thousands of clocks and must not pay), the case's two moments are
#   recomputed from its clocks (one lookup on the clock's case index);
# - on the case table, a write that changes either moment by hand (a save() of a case
#   loaded before its clocks changed writes back its stale copy) is replaced by the truth.
#
# PostgreSQL's triggers and backfill are here, then the list indexes; SQLite's (the
# tests' fallback) are installed after each `migrate` by deadlines.next_due.

from django.db import migrations, models

RUNNING = "stopped_at IS NULL AND due_at IS NOT NULL"

POSTGRESQL = f"""
-- PL/pgSQL rather than SQL: its statements' plans are kept between calls.
CREATE FUNCTION deadlines_case_next_due_refresh(case_pk bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    due timestamptz;
    warn timestamptz;
BEGIN
    SELECT min(due_at), min(warn_at) INTO due, warn
    FROM deadlines_clock WHERE case_id = case_pk AND {RUNNING};
    UPDATE deadlines_case
    SET next_due_at = due, first_warn_at = warn
    WHERE id = case_pk
      AND (next_due_at IS DISTINCT FROM due OR first_warn_at IS DISTINCT FROM warn);
END $$;

-- Row by row for updates and deletes (a few clocks a case); one statement for inserts,
-- so that a bulk load recomputes each case once.
CREATE FUNCTION deadlines_clock_next_due_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deadlines_case_next_due_refresh(OLD.case_id);
    IF TG_OP = 'UPDATE' AND NEW.case_id IS DISTINCT FROM OLD.case_id THEN
        PERFORM deadlines_case_next_due_refresh(NEW.case_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION deadlines_clock_next_due_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deadlines_case AS c
    SET next_due_at = r.due, first_warn_at = r.warn
    FROM (SELECT k.case_id, min(k.due_at) AS due, min(k.warn_at) AS warn
          FROM deadlines_clock AS k
          WHERE k.case_id IN (SELECT case_id FROM inserted_clocks)
            AND k.stopped_at IS NULL AND k.due_at IS NOT NULL
          GROUP BY k.case_id) AS r
    WHERE c.id = r.case_id
      AND (c.next_due_at IS DISTINCT FROM r.due OR c.first_warn_at IS DISTINCT FROM r.warn);
    RETURN NULL;
END $$;

CREATE TRIGGER deadlines_clock_next_due_insert
    AFTER INSERT ON deadlines_clock
    REFERENCING NEW TABLE AS inserted_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION deadlines_clock_next_due_inserted();

CREATE TRIGGER deadlines_clock_next_due_update
    AFTER UPDATE ON deadlines_clock
    FOR EACH ROW
    WHEN (OLD.due_at IS DISTINCT FROM NEW.due_at
          OR OLD.warn_at IS DISTINCT FROM NEW.warn_at
          OR OLD.stopped_at IS DISTINCT FROM NEW.stopped_at
          OR OLD.case_id IS DISTINCT FROM NEW.case_id)
    EXECUTE FUNCTION deadlines_clock_next_due_row();

CREATE TRIGGER deadlines_clock_next_due_delete
    AFTER DELETE ON deadlines_clock
    FOR EACH ROW EXECUTE FUNCTION deadlines_clock_next_due_row();

-- A write of either moment from outside the triggers above (their own updates run at
-- trigger depth 1) gets the truth instead.
CREATE FUNCTION deadlines_case_next_due_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT min(due_at), min(warn_at) INTO NEW.next_due_at, NEW.first_warn_at
    FROM deadlines_clock WHERE case_id = NEW.id AND {RUNNING};
    RETURN NEW;
END $$;

CREATE TRIGGER deadlines_case_next_due_guard_insert
    BEFORE INSERT ON deadlines_case
    FOR EACH ROW
    WHEN (NEW.next_due_at IS NOT NULL OR NEW.first_warn_at IS NOT NULL)
    EXECUTE FUNCTION deadlines_case_next_due_guard();

CREATE TRIGGER deadlines_case_next_due_guard_update
    BEFORE UPDATE ON deadlines_case
    FOR EACH ROW
    WHEN (pg_trigger_depth() = 0
          AND (OLD.next_due_at IS DISTINCT FROM NEW.next_due_at
               OR OLD.first_warn_at IS DISTINCT FROM NEW.first_warn_at))
    EXECUTE FUNCTION deadlines_case_next_due_guard();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS deadlines_case_next_due_guard_update ON deadlines_case;
DROP TRIGGER IF EXISTS deadlines_case_next_due_guard_insert ON deadlines_case;
DROP FUNCTION IF EXISTS deadlines_case_next_due_guard();
DROP TRIGGER IF EXISTS deadlines_clock_next_due_delete ON deadlines_clock;
DROP TRIGGER IF EXISTS deadlines_clock_next_due_update ON deadlines_clock;
DROP TRIGGER IF EXISTS deadlines_clock_next_due_insert ON deadlines_clock;
DROP FUNCTION IF EXISTS deadlines_clock_next_due_inserted();
DROP FUNCTION IF EXISTS deadlines_clock_next_due_row();
DROP FUNCTION IF EXISTS deadlines_case_next_due_refresh(bigint);
"""

POSTGRESQL_BACKFILL = f"""
UPDATE deadlines_case AS c
SET next_due_at = r.due, first_warn_at = r.warn
FROM (SELECT case_id, min(due_at) AS due, min(warn_at) AS warn
      FROM deadlines_clock WHERE {RUNNING} GROUP BY case_id) AS r
WHERE c.id = r.case_id;
"""

# SQLite's triggers and backfill run after every `migrate` instead (deadlines.next_due
# says why).


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKFILL)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0017_follow_up_clock"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="next_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="next deadline"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="first_warn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="first warning moment"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RemoveIndex(
            model_name="case",
            name="case_department_state",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["department", "next_due_at", "-opened_at", "-id"],
                include=["state", "first_warn_at"],
                name="case_department_listed",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["department", "state", "next_due_at", "-opened_at", "-id"],
                include=["first_warn_at"],
                name="case_department_state_listed",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["handler", "next_due_at", "-opened_at", "-id"],
                include=["state", "first_warn_at"],
                name="case_handler_listed",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["first_responder", "next_due_at", "-opened_at", "-id"],
                include=["state", "first_warn_at", "handler", "supervisor", "leader"],
                name="case_first_responder_listed",
            ),
        ),
    ]
