"""Migrations: append-only, frozen SQL literals.

A migration never imports ``schema/`` (a later change to the template must not
rewrite history) and never removes or renames a column. ``tests/test_base.py``
checks that the migrated base has exactly the stored columns the schema declares.
Never use ``create(..., transform=True)`` to sync a schema: it drops columns.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("genjin")

# Every row carries version/updated_at/updated_by: an UPDATE checks the version
# the user saw, so two editors never silently overwrite each other.
_ROW_META = """
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL
"""


@migrations()
def m001_core(db: sqlite_utils.Database) -> None:
    """Users, customers, follow-ups and the sequences behind customer numbers."""
    db.execute(f"""
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'sales',
            active INTEGER NOT NULL DEFAULT 1,
            {_ROW_META}
        )""")
    db.execute(f"""
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            industry TEXT,
            region TEXT,
            address TEXT,
            contact TEXT,
            contact_title TEXT,
            phone TEXT,
            email TEXT,
            source TEXT,
            scale TEXT,
            urgency TEXT,
            grade TEXT,
            stage TEXT,
            tags TEXT,
            needs TEXT,
            budget TEXT,
            owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_on TEXT NOT NULL,
            notes TEXT,
            {_ROW_META}
        )""")
    db.execute(f"""
        CREATE TABLE follow_ups (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            time TEXT NOT NULL,
            method TEXT,
            content TEXT,
            feedback TEXT,
            solution TEXT,
            next_action TEXT,
            next_follow_up_on TEXT,
            person_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            status TEXT,
            {_ROW_META}
        )""")
    db.execute("CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    for statement in (
        "CREATE INDEX customers_owner ON customers(owner_id)",
        "CREATE INDEX customers_stage ON customers(stage)",
        "CREATE INDEX customers_grade ON customers(grade)",
        # The computed follow-up columns are one index seek per customer shown.
        "CREATE INDEX follow_ups_customer_time ON follow_ups(customer_id, time)",
        "CREATE INDEX follow_ups_customer_next ON follow_ups(customer_id, next_follow_up_on)",
        "CREATE INDEX follow_ups_time ON follow_ups(time)",
        "CREATE INDEX follow_ups_person ON follow_ups(person_id)",
    ):
        db.execute(statement)


@migrations()
def m002_stored_follow_up_rollups(db: sqlite_utils.Database) -> None:
    """Keep 最近跟进时间 and 跟进次数 in indexed columns of customers, maintained by triggers.

    Sorting or filtering 100k customers by a correlated subquery costs ~140 ms;
    by an indexed column, about a millisecond. The triggers run in the same
    transaction as the follow-up change (~0.5 ms a write) and never touch the
    customer's version: a follow-up logged meanwhile is not an edit conflict.
    """
    db.execute("ALTER TABLE customers ADD COLUMN last_follow_up_at TEXT")
    db.execute("ALTER TABLE customers ADD COLUMN follow_up_count INTEGER NOT NULL DEFAULT 0")
    db.execute("""
        UPDATE customers SET
            last_follow_up_at = (SELECT MAX(time) FROM follow_ups f WHERE f.customer_id = customers.id),
            follow_up_count = (SELECT COUNT(*) FROM follow_ups f WHERE f.customer_id = customers.id)""")
    db.execute("CREATE INDEX customers_last_follow_up ON customers(last_follow_up_at)")
    db.execute("CREATE INDEX customers_follow_up_count ON customers(follow_up_count)")
    db.execute("""
        CREATE TRIGGER follow_ups_rollup_insert AFTER INSERT ON follow_ups BEGIN
            UPDATE customers SET
                follow_up_count = follow_up_count + 1,
                last_follow_up_at = CASE WHEN last_follow_up_at IS NULL OR NEW.time > last_follow_up_at
                                         THEN NEW.time ELSE last_follow_up_at END
            WHERE id = NEW.customer_id;
        END""")
    db.execute("""
        CREATE TRIGGER follow_ups_rollup_delete AFTER DELETE ON follow_ups BEGIN
            UPDATE customers SET
                follow_up_count = follow_up_count - 1,
                last_follow_up_at = (SELECT MAX(time) FROM follow_ups WHERE customer_id = OLD.customer_id)
            WHERE id = OLD.customer_id;
        END""")
    db.execute("""
        CREATE TRIGGER follow_ups_rollup_update AFTER UPDATE OF customer_id, time ON follow_ups BEGIN
            UPDATE customers SET
                follow_up_count = (SELECT COUNT(*) FROM follow_ups WHERE customer_id = customers.id),
                last_follow_up_at = (SELECT MAX(time) FROM follow_ups WHERE customer_id = customers.id)
            WHERE id IN (OLD.customer_id, NEW.customer_id);
        END""")


@migrations()
def m003_history(db: sqlite_utils.Database) -> None:
    """An append-only history of every change: who, when, table, row, columns before → after.

    ``change_id`` groups the entries of one save (a change set), so undo and
    the trash act on what one person did in one go; ``undoes`` marks the
    entries of an undo with the change they took back.
    """
    db.execute("""
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            changes TEXT NOT NULL,
            undoes INTEGER
        )""")
    db.execute("CREATE INDEX history_row ON history(table_name, row_id, id)")
    db.execute("CREATE INDEX history_at ON history(at)")
    db.execute("CREATE INDEX history_change ON history(change_id)")
    db.execute("CREATE INDEX history_undoes ON history(undoes)")
    db.execute("""
        CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN
            SELECT RAISE(ABORT, 'history is append-only');
        END""")
    db.execute("""
        CREATE TRIGGER history_no_delete BEFORE DELETE ON history BEGIN
            SELECT RAISE(ABORT, 'history is append-only');
        END""")


@migrations()
def m004_accounts(db: sqlite_utils.Database) -> None:
    """Passwords, login sessions, failed-login counts and base settings.

    A session is stored as the SHA-256 of its token (a stolen base file holds
    no usable session); ``last_seen`` drives the idle expiry. Failed logins
    are counted per username, known or not, so guessing slows down either way.
    """
    db.execute("ALTER TABLE users ADD COLUMN password_hash TEXT")
    db.execute("""
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX sessions_user ON sessions(user_id)")
    db.execute("""
        CREATE TABLE login_failures (
            username TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_at TEXT NOT NULL
        )""")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # The trash is emptied after its retention by erasing the values of the deleted rows' history
    # entries (who, when and what happened stay). That one update is all the history ever allows.
    db.execute("ALTER TABLE history ADD COLUMN purged_at TEXT")
    db.execute("DROP TRIGGER history_no_update")
    db.execute("""
        CREATE TRIGGER history_no_update BEFORE UPDATE ON history
        WHEN NOT (OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL AND NEW.changes = '{}'
                  AND NEW.id = OLD.id AND NEW.change_id = OLD.change_id AND NEW.at = OLD.at
                  AND NEW.user_id IS OLD.user_id AND NEW.table_name = OLD.table_name
                  AND NEW.row_id = OLD.row_id AND NEW.action = OLD.action AND NEW.undoes IS OLD.undoes)
        BEGIN
            SELECT RAISE(ABORT, 'history is append-only');
        END""")


@migrations()
def m005_fields(db: sqlite_utils.Database) -> None:
    """Fields people manage: added columns (``kind`` set, named f<id>) and built-in columns' settings."""
    db.execute("""
        CREATE TABLE fields (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT,
            label_zh TEXT,
            label_en TEXT,
            help_zh TEXT,
            help_en TEXT,
            options TEXT NOT NULL DEFAULT '[]',
            required INTEGER NOT NULL DEFAULT 0,
            default_value TEXT,
            hidden INTEGER NOT NULL DEFAULT 0,
            position REAL,
            deleted_at TEXT,
            expression TEXT,
            result TEXT,
            config TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT,
            updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            UNIQUE (table_name, name)
        )""")


@migrations()
def m006_saved_charts(db: sqlite_utils.Database) -> None:
    """One-click charts a member keeps on their 看板: the chart's spec (column, grouping, the view's filters)."""
    db.execute("""
        CREATE TABLE saved_charts (
            id INTEGER PRIMARY KEY,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            spec TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")


@migrations()
def m007_views(db: sqlite_utils.Database) -> None:
    """Saved views of a grid: a name, an owner (NULL: shared), a default flag and the filter state."""
    db.execute("""
        CREATE TABLE views (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            name TEXT NOT NULL,
            owner_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            is_default INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""")
    db.execute("CREATE INDEX views_table ON views(table_name, owner_id)")


@migrations()
def m008_user_tables(db: sqlite_utils.Database) -> None:
    """Tables people add (named t<id>; their fields live in ``fields`` like any other)."""
    db.execute("""
        CREATE TABLE user_tables (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            label_zh TEXT NOT NULL,
            label_en TEXT NOT NULL,
            template TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""")


@migrations()
def m009_attachments(db: sqlite_utils.Database) -> None:
    """Files attached to a row's 附件 field, kept in the base so that snapshots hold them.

    ``media_type`` is what the first bytes say, never the name or the browser.
    The bytes come last in the row (``thumbnail`` and ``content``): reading the
    names and sizes never walks a large file's overflow pages, and the index
    covers what a grid's summary needs (count and latest name), so a grid page
    reads no file at all. A deleted file keeps its bytes (``deleted_at``) until
    the trash is emptied. The built-in 附件 column of customers needs no column
    of its own: it is worked out from this table.
    """
    db.execute("""
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            field TEXT NOT NULL,
            file_name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            uploaded_at TEXT NOT NULL,
            uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            deleted_at TEXT,
            deleted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            thumbnail BLOB,
            content BLOB NOT NULL,
            CHECK (size = length(content))
        )""")
    db.execute("CREATE INDEX attachments_row ON attachments(table_name, row_id, field, deleted_at, id, file_name)")


@migrations()
def m010_rule_settings(db: sqlite_utils.Database) -> None:
    """Who changed a setting and when: the sales rules (schema/rules.py) live in ``settings`` as
    ``rule.<key>`` rows beside the base's own flags (``demo``)."""
    db.execute("ALTER TABLE settings ADD COLUMN updated_at TEXT")
    db.execute("ALTER TABLE settings ADD COLUMN updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL")


@migrations()
def m011_link_pairs(db: sqlite_utils.Database) -> None:
    """One row per (record, linked record) of every link field that holds several records, kept by
    triggers made with the field (db/fields.py), so the records linking to one are found by index."""
    db.execute("""
        CREATE TABLE link_pairs (
            table_name TEXT NOT NULL,
            field TEXT NOT NULL,
            target_id INTEGER NOT NULL,
            row_id INTEGER NOT NULL,
            PRIMARY KEY (table_name, field, target_id, row_id)
        ) WITHOUT ROWID""")
    db.execute("CREATE INDEX link_pairs_row ON link_pairs(table_name, field, row_id)")


@migrations()
def m012_pool(db: sqlite_utils.Database) -> None:
    """公海: every move into or out of the pool with its reason, and when each owner got their customer.

    ``pool_moves`` sits beside the history (joined by ``change_id`` and the
    customer): the history says 负责人 李娜 → —, the move says why (claimed,
    released with the member's reason, returned_overdue, assigned, undone).
    ``owned_since`` starts an owner's clock: a customer claimed today is not
    overdue because nobody followed it up before. Customers owned before this
    migration start their clock now, so an upgrade never empties a team's lists
    at once. The partial index holds only owned customers, by the day their
    last follow-up (or creation) counts from, so the hourly return reads only
    the owned customers past the cut-off.
    """
    db.execute("""
        CREATE TABLE pool_moves (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL,
            customer_id INTEGER NOT NULL,
            from_owner INTEGER REFERENCES users(id) ON DELETE SET NULL,
            to_owner INTEGER REFERENCES users(id) ON DELETE SET NULL,
            reason TEXT NOT NULL CHECK (reason IN ('claimed', 'released', 'returned_overdue', 'assigned', 'undone')),
            note TEXT,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""")
    db.execute("CREATE INDEX pool_moves_customer ON pool_moves(customer_id, from_owner, id)")
    db.execute("CREATE INDEX pool_moves_change ON pool_moves(change_id, customer_id)")
    db.execute("""
        CREATE TABLE owned_since (
            customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
            owner_id INTEGER NOT NULL,
            since TEXT NOT NULL
        )""")
    db.execute("""
        INSERT INTO owned_since (customer_id, owner_id, since)
        SELECT id, owner_id, strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime') FROM customers
        WHERE owner_id IS NOT NULL""")
    db.execute("CREATE INDEX customers_owned_clock ON customers(MAX(IFNULL(last_follow_up_at, ''), created_on)) "
               "WHERE owner_id IS NOT NULL")


@migrations()
def m013_deals(db: sqlite_utils.Database) -> None:
    """商机 (deals): the deal columns of customers, and ``stage_changes``, one row per change of 销售阶段.

    Triggers write ``stage_changes`` in the transaction of every change of a
    customer's stage, however it is made (a save, a card moved on the board, an
    undo, a restore from the trash), and keep the time of the latest one in
    ``customers.stage_changed_at`` (indexed, so sorting by 本阶段天数 needs no
    scan). An insert records its stage unless it is the stage last recorded for
    that id (a customer restored from the trash did not change stage). Rows of
    deleted customers stay, for a restore; the trash's purge erases them.

    Customers already there get their stage changes from the history (the
    stage each insert or edit recorded; a stage unchanged since the previous
    entry is no change), and those created without history (a demo base)
    entered the stage they had first on the day they were created.
    """
    for column in ("expected_amount REAL", "expected_on TEXT", "win_rate INTEGER", "competitors TEXT",
                   "won_amount REAL", "won_on TEXT", "win_factors TEXT", "loss_reason TEXT", "stage_changed_at TEXT"):
        db.execute(f"ALTER TABLE customers ADD COLUMN {column}")
    db.execute("""
        CREATE TABLE stage_changes (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL,
            from_stage TEXT,
            to_stage TEXT,
            at TEXT NOT NULL,
            by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""")
    db.execute("""
        INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by)
        WITH recorded AS (
            SELECT h.row_id AS customer_id, h.id AS seq, h.at, h.user_id AS by,
                   json_extract(h.changes, '$.stage[1]') AS stage
            FROM history h
            WHERE h.table_name = 'customers' AND h.action IN ('insert', 'update')
              AND json_type(h.changes, '$.stage') IS NOT NULL
        ),
        created AS (
            SELECT c.id AS customer_id, 0 AS seq, c.created_on || ' 00:00:00' AS at, NULL AS by,
                   COALESCE((SELECT json_extract(h.changes, '$.stage[0]') FROM history h
                             WHERE h.table_name = 'customers' AND h.row_id = c.id
                               AND json_type(h.changes, '$.stage') IS NOT NULL ORDER BY h.id LIMIT 1),
                            c.stage) AS stage
            FROM customers c
            WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.table_name = 'customers' AND h.row_id = c.id
                              AND h.action = 'insert')
        ),
        events AS (
            SELECT customer_id, seq, at, by, stage,
                   LAG(stage) OVER (PARTITION BY customer_id ORDER BY seq) AS previous
            FROM (SELECT * FROM recorded UNION ALL SELECT * FROM created)
        )
        SELECT customer_id, previous, stage, at, by FROM events
        WHERE stage IS NOT previous
        ORDER BY customer_id, seq""")
    db.execute("CREATE INDEX stage_changes_customer ON stage_changes(customer_id, id)")
    db.execute("CREATE INDEX stage_changes_at ON stage_changes(at)")
    db.execute("""
        UPDATE customers SET stage_changed_at = (
            SELECT s.at FROM stage_changes s WHERE s.customer_id = customers.id ORDER BY s.id DESC LIMIT 1)""")
    db.execute("CREATE INDEX customers_stage_changed ON customers(stage_changed_at)")
    db.execute("""
        CREATE TRIGGER customers_stage_insert AFTER INSERT ON customers BEGIN
            INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by)
            SELECT NEW.id, last.stage, NEW.stage, NEW.updated_at, NEW.updated_by
            FROM (SELECT (SELECT s.to_stage FROM stage_changes s WHERE s.customer_id = NEW.id
                          ORDER BY s.id DESC LIMIT 1) AS stage) last
            WHERE NEW.stage IS NOT last.stage;
            UPDATE customers SET stage_changed_at = (
                SELECT s.at FROM stage_changes s WHERE s.customer_id = NEW.id ORDER BY s.id DESC LIMIT 1)
            WHERE id = NEW.id;
        END""")
    db.execute("""
        CREATE TRIGGER customers_stage_update AFTER UPDATE OF stage ON customers
        WHEN OLD.stage IS NOT NEW.stage BEGIN
            INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, by)
            VALUES (NEW.id, OLD.stage, NEW.stage, NEW.updated_at, NEW.updated_by);
            UPDATE customers SET stage_changed_at = NEW.updated_at WHERE id = NEW.id;
        END""")


@migrations()
def m014_duplicate_keys(db: sqlite_utils.Database) -> None:
    """查重: each customer's normalized keys (name, phone, e-mail, and the character pairs of its name),
    indexed, kept by triggers in the same statement as every write to ``customers``.

    The keys are computed by ``genjin_customer_keys(name, phone, email)``, a function every connection
    registers (``db.connection.connect``, from ``db/duplicates.py``); it returns a JSON list of
    ``[kind, key]`` pairs. A customer written through a connection without it fails rather than drift.
    """
    db.execute("""
        CREATE TABLE customer_keys (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            customer_id INTEGER NOT NULL,
            PRIMARY KEY (kind, key, customer_id)
        ) WITHOUT ROWID""")
    db.execute("CREATE INDEX customer_keys_customer ON customer_keys(customer_id, kind)")
    db.execute("""
        CREATE TRIGGER customer_keys_insert AFTER INSERT ON customers BEGIN
            INSERT OR IGNORE INTO customer_keys (kind, key, customer_id)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), NEW.id
            FROM json_each(genjin_customer_keys(NEW.name, NEW.phone, NEW.email));
        END""")
    db.execute("""
        CREATE TRIGGER customer_keys_update AFTER UPDATE OF id, name, phone, email ON customers BEGIN
            DELETE FROM customer_keys WHERE customer_id = OLD.id;
            INSERT OR IGNORE INTO customer_keys (kind, key, customer_id)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), NEW.id
            FROM json_each(genjin_customer_keys(NEW.name, NEW.phone, NEW.email));
        END""")
    db.execute("""
        CREATE TRIGGER customer_keys_delete AFTER DELETE ON customers BEGIN
            DELETE FROM customer_keys WHERE customer_id = OLD.id;
        END""")
    db.execute("""
        INSERT OR IGNORE INTO customer_keys (kind, key, customer_id)
        SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), c.id
        FROM customers c, json_each(genjin_customer_keys(c.name, c.phone, c.email)) j""")


@migrations()
def m015_lead_scores(db: sqlite_utils.Database) -> None:
    """线索评分 (seed 000): four scores of 1–5 on each customer; their sum and grade are computed."""
    for name in ("score_need", "score_budget", "score_decision", "score_urgency"):
        db.execute(f"ALTER TABLE customers ADD COLUMN {name} INTEGER")  # names: literals of this migration
    # The sum orders and filters the grade (A from 15 …) by index whatever the rules' cuts are.
    db.execute("CREATE INDEX customers_lead_score ON customers("
               "(score_need + score_budget + score_decision + score_urgency))")


@migrations()
def m016_tier_cuts(db: sqlite_utils.Database) -> None:
    """The amounts at which 客户分层 S/A/B/C begin, worked out once after deals change (db/tiers.py)
    instead of ranking every customer's revenue on every read. Any change of a customer's 成交金额
    empties the table; the next read works the cuts out again for the rules of the day (``rules``)."""
    db.execute("CREATE TABLE tier_cuts (rules TEXT PRIMARY KEY, s REAL, a REAL, b REAL, c REAL)")
    db.execute("CREATE TRIGGER tier_cuts_insert AFTER INSERT ON customers WHEN NEW.won_amount IS NOT NULL "
               "BEGIN DELETE FROM tier_cuts; END")
    db.execute("CREATE TRIGGER tier_cuts_update AFTER UPDATE OF won_amount ON customers "
               "WHEN NEW.won_amount IS NOT OLD.won_amount BEGIN DELETE FROM tier_cuts; END")
    db.execute("CREATE TRIGGER tier_cuts_delete AFTER DELETE ON customers WHEN OLD.won_amount IS NOT NULL "
               "BEGIN DELETE FROM tier_cuts; END")


@migrations()
def m017_after_sale(db: sqlite_utils.Database) -> None:
    """After the sale (seed 001, step 5): a customer's 合同到期日 and 服务对接人, a follow-up's 满意度; and the
    clock a customer had when it went to the 公海 (``pool_moves.clock``)."""
    db.execute("ALTER TABLE customers ADD COLUMN contract_ends_on TEXT")
    db.execute("ALTER TABLE customers ADD COLUMN service_contact_id INTEGER REFERENCES users(id) ON DELETE SET NULL")
    db.execute("ALTER TABLE follow_ups ADD COLUMN satisfaction INTEGER")
    db.execute("CREATE INDEX customers_contract_ends ON customers(contract_ends_on) WHERE contract_ends_on IS NOT NULL")
    # The 公海 clock a customer had when it left its owner: an undone release gives it back, not a new one.
    db.execute("ALTER TABLE pool_moves ADD COLUMN clock TEXT")


@migrations()
def m018_follow_up_activity(db: sqlite_utils.Database) -> None:
    """看板's follow-up activity reads who logged what, how, and on which customer straight from the index on
    跟进时间 (a year of a large base is a million follow-ups): the index covers those columns now. ``id`` comes
    right after the time, as it did implicitly before, so the 跟进记录 grid sorted by time (ties by id) still
    walks the index without sorting, deep pages included. No index on 建档日期 for the cohorts: without
    statistics SQLite would take it for a year too, and a scan is faster there."""
    db.execute("DROP INDEX IF EXISTS follow_ups_time")
    db.execute("CREATE INDEX follow_ups_time ON follow_ups(time, id, person_id, method, customer_id)")
    # 下次应跟进日期 reads each customer's latest follow-up's plan (今日待跟进 does it for every customer a
    # member owns): the plan in the index too spares a lookup of the follow-up per customer.
    db.execute("DROP INDEX IF EXISTS follow_ups_customer_time")
    db.execute("CREATE INDEX follow_ups_customer_time ON follow_ups(customer_id, time, id, next_follow_up_on)")


@migrations()
def m019_imports(db: sqlite_utils.Database) -> None:
    """导入: one row per import — which table, the file's name, who, when, how many rows were added, updated and
    skipped, the change it wrote (one change id in ``history``, so one undo takes it back) and the undo, if any."""
    db.execute("""
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            file_name TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            at TEXT NOT NULL,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            change_id INTEGER,
            undone_change_id INTEGER
        )""")
    db.execute("CREATE INDEX imports_user ON imports(user_id, id)")


@migrations()
def m020_public_forms(db: sqlite_utils.Database) -> None:
    """公开表单: forms anyone with the link can fill in (token, table, title, the fields asked as a JSON list,
    the 来源渠道 recorded, the owner of what they add, who published them) and the log of posts (for the limits,
    a duplicate's answers, and the change a post wrote, which the history names by its form)."""
    db.execute("""
        CREATE TABLE public_forms (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            table_name TEXT NOT NULL,
            title TEXT NOT NULL,
            fields TEXT NOT NULL,
            source TEXT,
            owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        )""")
    db.execute("""
        CREATE TABLE public_form_posts (
            id INTEGER PRIMARY KEY,
            form_id INTEGER NOT NULL REFERENCES public_forms(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            client TEXT NOT NULL,
            outcome TEXT NOT NULL,
            record_id INTEGER,
            duplicate_of INTEGER,
            answers TEXT,
            change_id INTEGER
        )""")
    db.execute("CREATE INDEX public_form_posts_form ON public_form_posts(form_id, at)")
    db.execute("CREATE INDEX public_form_posts_change ON public_form_posts(change_id) WHERE change_id IS NOT NULL")


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names of those applied."""
    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


def is_current(db: sqlite_utils.Database) -> bool:
    """Whether every migration has been applied."""
    return not migrations.pending(db)
