"""The case store's tables (SQLAlchemy 2). Alembic migrations in `migrations/` create
them; `tests/test_store_cases.py` checks the two agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Run(Base):
    """One screening run. `status` is running until its results commit: a run that
    died half-way stays "running" (shown as failed once its process is gone)."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screen: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # running, completed, failed
    actor: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    input_path: Mapped[str] = mapped_column(Text)
    input_sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    list_versions: Mapped[dict[str, Any]] = mapped_column(JSON)  # dataset -> version
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    alerts_new: Mapped[int] = mapped_column(Integer, default=0)
    alerts_suppressed: Mapped[int] = mapped_column(Integer, default=0)


class SubjectRow(Base):
    """A screened party, identified by `key` (the user's id column, else its name and
    country); `fingerprint` changes when its name, country or address does."""

    __tablename__ = "subjects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    screened_versions: Mapped[dict[str, Any]] = mapped_column(JSON)  # dataset -> version last screened against
    as_of: Mapped[dt.date] = mapped_column(Date)
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    # which normalization its name_keys were made with (None: not made yet, or the name changed)
    keys_version: Mapped[str | None] = mapped_column(String(20), nullable=True)


class NameKey(Base):
    """A stored party's name as the candidate search reads it: the words and run-together
    words of each normalized form (`variant`) of its name. The delta re-screen looks up
    the parties that share a key with the list entries that changed (screen/rescreen.py)."""

    __tablename__ = "name_keys"
    __table_args__ = (Index("ix_name_keys_key", "key"), Index("ix_name_keys_subject", "subject_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    variant: Mapped[int] = mapped_column(Integer)
    kind: Mapped[int] = mapped_column(Integer)  # 0: a word searched by (query token), 1: only matched whole
    key: Mapped[str] = mapped_column(String(200))


class NameWord(Base):
    """Every stored WORD key once: the words searched for typos of a changed list word."""

    __tablename__ = "name_words"
    word: Mapped[str] = mapped_column(String(200), primary_key=True)


class Alert(Base):
    """One subject against one list entry. Open until a decision closes it."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("subject_id", "entry_key"), Index("ix_alerts_status", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    entry_key: Mapped[str] = mapped_column(String(200))  # "EL:h4989...", "SDN:306"
    list: Mapped[str] = mapped_column(String(40))
    entry_name: Mapped[str] = mapped_column(Text)
    matched_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))  # open, closed
    reason: Mapped[str] = mapped_column(Text)  # why it is open: new match, entry changed, ...
    entry_fingerprint: Mapped[str] = mapped_column(String(64))
    subject_fingerprint: Mapped[str] = mapped_column(String(64))
    list_version: Mapped[str] = mapped_column(String(200))
    match: Mapped[dict[str, Any]] = mapped_column(JSON)  # the match record, explanation included
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    decision: Mapped[str] = mapped_column(String(30))  # true_match, false_positive, escalate, entry_removed
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Suppression(Base):
    """A false-positive decision in force: the pair stays quiet while both
    fingerprints are those the reviewer saw."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("subject_id", "entry_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    entry_key: Mapped[str] = mapped_column(String(200))
    entry_fingerprint: Mapped[str] = mapped_column(String(64))
    subject_fingerprint: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))


class AuditEvent(Base):
    """Append-only, hash-chained: `hash` covers this event and the previous event's hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """One row: the last event's sequence number and hash. Writers lock it, so
    concurrent writers append to the chain one after another."""

    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    """A key for the HTTP service: only its SHA-256 is kept (keys are 256-bit random
    tokens, so a slow password hash adds nothing); `prefix` identifies it to people."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # screener, reviewer, admin
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    """A review-page session, in the database so that every worker sees it; only the
    token's SHA-256 is kept. It lives while its key does: a revoked key ends it. On
    SQLite this table and rate_buckets live in a second file (engine.service_url)."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer)  # api_keys.id; no foreign key (see above)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds


class RateBucket(Base):
    """A token bucket of the rate limit (per key, per session, per client address for
    failed logins), shared by all workers."""

    __tablename__ = "rate_buckets"
    bucket: Mapped[str] = mapped_column(String(100), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)  # epoch seconds


class Hook(Base):
    """A webhook: audit events of the kinds in `events` are delivered to `url`, each body
    signed with `secret` (HMAC-SHA256). `last_seq` is the last audit event considered,
    so each event is queued once; a hook sees only events after it was added."""

    __tablename__ = "hooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[Any]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class HookDelivery(Base):
    """One event for one hook: its body as sent, and how sending went. `status` is
    pending (due at `next_at`), delivered, or failed (attempts used up)."""

    __tablename__ = "hook_deliveries"
    __table_args__ = (UniqueConstraint("hook_id", "event_seq"), Index("ix_hook_deliveries_due", "status", "next_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hook_id: Mapped[int] = mapped_column(ForeignKey("hooks.id"))
    event_seq: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    last_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
