"""Data access for the hub core: small functions with keyword-only arguments.

Routes and the service call these; nothing else in chat/ builds SQL. Sequence
numbers are claimed with one ``UPDATE … RETURNING`` that also locks the
conversation row, so a seq is handed out in the same transaction as its row.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Dialect, RowMapping
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from chat.models import Agent, Contact, Conversation, Message, Order, ShopperEvent
from chat.protocol import ConversationOut, MessageOut, Sender


@dataclass(frozen=True)
class ClaimedSeq:
    seq: int
    status: str
    assignee_id: int | None
    team_id: int | None


# Plain tables for Core statements that need none of the ORM's bookkeeping.
_MESSAGES = Message.metadata.tables["messages"]
_CONVERSATIONS = Conversation.metadata.tables["conversations"]

# The hot path's statements are built once: building and cache-keying a statement
# per message cost several times what SQLite takes to run it.
# ORM-enabled so that a Session keeps a loaded conversation's last_seq in step;
# on the writer's plain Connection it runs as Core.
_CLAIM_SEQ = (
    update(Conversation)
    .where(Conversation.id == bindparam("cid"))
    .values(last_seq=Conversation.last_seq + bindparam("count"))
    .returning(
        Conversation.last_seq, Conversation.status, Conversation.assignee_id, Conversation.team_id
    )
)
_CLAIM_SEQ_UNLESS_RESOLVED = _CLAIM_SEQ.where(Conversation.status != "resolved")
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_FIRST_RESPONSE = (
    update(_CONVERSATIONS)
    .where(Conversation.id == bindparam("cid"), Conversation.first_response_at.is_(None))
    .values(first_response_at=bindparam("at"))
)


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once for a dialect and run on the driver's own cursor.

    The group writer runs two statements per message; through SQLAlchemy's
    execution layer they cost three times what the database takes to run them
    (about 150 against 50 µs on SQLite), and that Python work holds the GIL
    the event loop needs. Compiling here keeps the SQL, the parameter style and
    the type conversions SQLAlchemy's own.
    """

    sql: str
    positional: tuple[str, ...] | None  # bind names in order for ``?`` styles; None: named
    required: frozenset[str]  # values the caller gives, Python-side column defaults among them
    defaults: dict[str, Any]  # values of the statement's literal binds
    processors: dict[str, Callable[[Any], Any]]  # the dialect's bind conversions

    @classmethod
    def compile(
        cls, statement: ClauseElement, dialect: Dialect, columns: Sequence[str] | None = None
    ) -> DriverStatement:
        compiled = statement.compile(
            dialect=dialect, column_keys=list(columns) if columns else None
        )
        assert isinstance(compiled, SQLCompiler)
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        # A column default or onupdate computed in Python (updated_at) is the caller's to give:
        # only SQLAlchemy's execution layer would compute it.
        prefetch = {column.key for column in [*compiled.insert_prefetch, *compiled.update_prefetch]}
        processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
        return cls(
            sql=compiled.string,
            positional=tuple(compiled.positiontup)
            if compiled.positional and compiled.positiontup
            else None,
            required=frozenset(
                name for name, bind in binds.items() if bind.required or name in prefetch
            ),
            defaults={
                name: bind.effective_value
                for name, bind in binds.items()
                if not bind.required and name not in prefetch
            },
            processors=processors,
        )

    def fetchone(self, connection: Connection, values: dict[str, Any]) -> Sequence[Any] | None:
        """Run with ``values`` inside the connection's transaction; the first row returned."""
        if not self.required <= values.keys():
            raise ValueError(
                f"values missing for {sorted(self.required - values.keys())}: {self.sql}"
            )
        merged = {**self.defaults, **values}
        for name, process in self.processors.items():
            merged[name] = process(merged[name])
        params: Any = (
            merged if self.positional is None else tuple(merged[name] for name in self.positional)
        )
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, params)
            row: Sequence[Any] | None = cursor.fetchone()
            return row
        except connection.dialect.loaded_dbapi.Error as exc:
            # As SQLAlchemy would raise it (IntegrityError, OperationalError, ...), so
            # callers handle one kind of error whichever way a statement ran; like the
            # engines' errors, without the values: shoppers' words would end up in logs.
            raise DBAPIError.instance(
                self.sql,
                params,
                exc,
                connection.dialect.loaded_dbapi.Error,
                hide_parameters=True,
            ) from exc
        finally:
            cursor.close()


@dataclass(frozen=True)
class _HotPath:
    claim_seq: DriverStatement
    claim_seq_unless_resolved: DriverStatement
    insert_message: DriverStatement


@functools.lru_cache(maxsize=8)
def _hot_path(dialect: Dialect) -> _HotPath:
    return _HotPath(
        claim_seq=DriverStatement.compile(_CLAIM_SEQ, dialect),
        claim_seq_unless_resolved=DriverStatement.compile(_CLAIM_SEQ_UNLESS_RESOLVED, dialect),
        insert_message=DriverStatement.compile(_INSERT_MESSAGE, dialect, _MESSAGE_FIELDS),
    )


def _claimed(row: Any) -> ClaimedSeq | None:
    if row is None:
        return None
    return ClaimedSeq(seq=row[0], status=row[1], assignee_id=row[2], team_id=row[3])


_MESSAGE_FIELDS = (
    "conversation_id",
    "seq",
    "sender_kind",
    "sender_id",
    "content_type",
    "text",
    "payload",
    "client_msg_id",
    "private",
    "created_at",
)


def _message_values(message: Message) -> dict[str, Any]:
    values = {field: getattr(message, field) for field in _MESSAGE_FIELDS}
    values["private"] = bool(message.private)
    return values


def _client_id_query(conversation_id: int, sender_kind: str, client_msg_id: str) -> Any:
    return select(_MESSAGES).where(
        Message.conversation_id == conversation_id,
        Message.sender_kind == sender_kind,
        Message.client_msg_id == client_msg_id,
    )


async def claim_seq(db: AsyncSession, *, conversation_id: int, count: int = 1) -> ClaimedSeq | None:
    """Reserve the next ``count`` seqs (returns the last) and lock the conversation."""
    return _claimed(
        (await db.execute(_CLAIM_SEQ, {"cid": conversation_id, "count": count})).first()
    )


async def insert_message(db: AsyncSession, *, message: Message) -> int:
    """Insert a message whose seq is claimed; returns its id."""
    return int((await db.execute(_INSERT_MESSAGE, _message_values(message))).scalar_one())


def copy_stored(stored: RowMapping, *, into: Message) -> None:
    """Make ``into`` the message already stored (a retried client id)."""
    for column in _MESSAGES.columns:
        setattr(into, column.key, stored[column.name])


class WriteOutcome(Enum):
    stored = "stored"
    duplicate = "duplicate"  # the client id was stored before: ``message`` now holds that row
    missing = "missing"  # no such conversation
    # A visitor writes into a resolved conversation (or one that is gone): the
    # service's lifecycle path reopens it, or finds it missing.
    needs_lifecycle = "needs_lifecycle"


@dataclass
class PendingMessage:
    """A message for the hot path; ``write_messages`` fills in its seq and id."""

    message: Message
    first_response: bool  # an agent's public reply: stamp the conversation's first response


def write_messages(connection: Connection, pending: list[PendingMessage]) -> list[WriteOutcome]:
    """The hot path: claim seqs and insert many messages in one transaction.

    Runs on the group writer's thread (chat/db.py ``GroupWriter``). Anything that
    changes a conversation's status is left to the service's lifecycle path.
    Retried client ids are rare, so the batch inserts first and only on a
    conflict falls back to one transaction per message, which finds the stored one.
    """
    try:
        with connection.begin():
            return _write_batch(connection, pending)
    except IntegrityError:
        return [_write_alone(connection, item) for item in pending]


def _write_batch(connection: Connection, pending: list[PendingMessage]) -> list[WriteOutcome]:
    statements = _hot_path(connection.dialect)
    outcomes = [WriteOutcome.stored] * len(pending)
    claimed: list[PendingMessage] = []
    # Conversation rows are locked in id order, so overlapping batches cannot deadlock;
    # the sort is stable, so one conversation's messages keep their order.
    for index in sorted(range(len(pending)), key=lambda i: pending[i].message.conversation_id):
        message = pending[index].message
        visitor = message.sender_kind == "visitor"
        claim = statements.claim_seq_unless_resolved if visitor else statements.claim_seq
        row = claim.fetchone(
            connection,
            {"cid": message.conversation_id, "count": 1, "updated_at": message.created_at},
        )
        if row is None:
            outcomes[index] = WriteOutcome.needs_lifecycle if visitor else WriteOutcome.missing
            continue
        message.seq = row[0]
        claimed.append(pending[index])
    if claimed:
        for item in claimed:
            inserted = statements.insert_message.fetchone(connection, _message_values(item.message))
            assert inserted is not None  # INSERT … RETURNING returns its row
            item.message.id = inserted[0]
        first_responses = [
            {"cid": item.message.conversation_id, "at": item.message.created_at}
            for item in claimed
            if item.first_response
        ]
        if first_responses:
            connection.execute(_FIRST_RESPONSE, first_responses)
    return outcomes


def _write_alone(connection: Connection, item: PendingMessage) -> WriteOutcome:
    try:
        with connection.begin():
            return _write_batch(connection, [item])[0]
    except IntegrityError:
        message = item.message
        if message.client_msg_id is None:
            raise
        with connection.begin():
            stored = (
                connection.execute(
                    _client_id_query(
                        message.conversation_id, message.sender_kind, message.client_msg_id
                    )
                )
                .mappings()
                .one()
            )
        copy_stored(stored, into=message)
        return WriteOutcome.duplicate


async def find_by_client_id(
    db: AsyncSession, *, conversation_id: int, sender_kind: str, client_msg_id: str
) -> RowMapping | None:
    return (
        (await db.execute(_client_id_query(conversation_id, sender_kind, client_msg_id)))
        .mappings()
        .one_or_none()
    )


async def messages_after(
    db: AsyncSession,
    *,
    conversation_id: int,
    after_seq: int,
    limit: int,
    include_private: bool,
) -> list[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    if not include_private:
        query = query.where(Message.private.is_(False))
    return list((await db.execute(query)).scalars())


async def latest_messages(
    db: AsyncSession, *, conversation_id: int, limit: int, include_private: bool
) -> list[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.seq.desc())
        .limit(limit)
    )
    if not include_private:
        query = query.where(Message.private.is_(False))
    return list(reversed(list((await db.execute(query)).scalars())))


async def open_conversation_of(db: AsyncSession, *, contact_id: str) -> Conversation | None:
    """The contact's newest conversation that is not resolved."""
    return (
        await db.execute(
            select(Conversation)
            .where(Conversation.contact_id == contact_id, Conversation.status != "resolved")
            .order_by(Conversation.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def conversations_of_contact(
    db: AsyncSession, *, contact_id: str, limit: int = 20
) -> list[Conversation]:
    return list(
        (
            await db.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact_id)
                .order_by(Conversation.id.desc())
                .limit(limit)
            )
        ).scalars()
    )


async def conversations_for_agent(
    db: AsyncSession,
    *,
    agent: Agent,
    status: str | None = None,
    mine: bool = False,
    contact_id: str | None = None,
    limit: int = 200,
) -> list[Conversation]:
    query = select(Conversation).order_by(Conversation.id.desc()).limit(limit)
    if status:
        query = query.where(Conversation.status == status)
    if contact_id:
        query = query.where(Conversation.contact_id == contact_id)
    if mine:
        query = query.where(Conversation.assignee_id == agent.id)
    elif agent.role != "admin":
        team_ids = [team.id for team in agent.teams]
        query = query.where(
            (Conversation.team_id.is_(None))
            | (Conversation.team_id.in_(team_ids))
            | (Conversation.assignee_id == agent.id)
        )
    return list((await db.execute(query)).scalars())


async def waiting_conversations(db: AsyncSession, *, limit: int = 200) -> list[Conversation]:
    return list(
        (
            await db.execute(
                select(Conversation)
                .where(Conversation.status == "queued")
                .order_by(Conversation.queued_at, Conversation.id)
                .limit(limit)
            )
        ).scalars()
    )


async def idle_with_the_bot(
    db: AsyncSession, *, since: dt.datetime, limit: int
) -> list[tuple[int, dt.datetime]]:
    """Conversations with the bot nobody wrote in since ``since``, oldest first, each with
    its last activity."""
    rows = await db.execute(
        select(Conversation.id, Conversation.updated_at)
        .where(Conversation.status == "bot", Conversation.updated_at < since)
        .order_by(Conversation.id)
        .limit(limit)
    )
    return list(rows.tuples())


async def date_resolution(db: AsyncSession, *, conversation_id: int, at: dt.datetime) -> None:
    """Say a resolved conversation ended ``at`` (its last activity, not when it was closed)."""
    await db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "resolved")
        .values(resolved_at=at)
    )


async def assigned_to(db: AsyncSession, *, agent_id: int) -> list[Conversation]:
    return list(
        (
            await db.execute(
                select(Conversation).where(
                    Conversation.assignee_id == agent_id, Conversation.status == "assigned"
                )
            )
        ).scalars()
    )


async def agent_loads(db: AsyncSession) -> dict[int, int]:
    """How many conversations each agent holds now."""
    rows = await db.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.status == "assigned", Conversation.assignee_id.is_not(None))
        .group_by(Conversation.assignee_id)
    )
    return {agent_id: int(count) for agent_id, count in rows.all() if agent_id is not None}


async def recent_events(
    db: AsyncSession, *, contact_id: str, since: dt.datetime | None = None, limit: int = 200
) -> list[ShopperEvent]:
    query = (
        select(ShopperEvent)
        .where(ShopperEvent.contact_id == contact_id)
        .order_by(ShopperEvent.created_at.desc(), ShopperEvent.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(ShopperEvent.created_at >= since)
    return list((await db.execute(query)).scalars())


async def orders_of_customer(db: AsyncSession, *, customer_id: str) -> list[Order]:
    return list(
        (
            await db.execute(
                select(Order)
                .where(Order.customer_id == customer_id)
                .order_by(Order.placed_at.desc())
            )
        ).scalars()
    )


async def contact_by_customer_id(db: AsyncSession, *, customer_id: str) -> Contact | None:
    return (
        await db.execute(select(Contact).where(Contact.customer_id == customer_id))
    ).scalar_one_or_none()


def message_out(message: Message, sender_name: str | None = None) -> MessageOut:
    return MessageOut(
        conversation_id=message.conversation_id,
        seq=message.seq,
        id=message.id,
        client_id=message.client_msg_id,
        sender=Sender(kind=message.sender_kind, id=message.sender_id, name=sender_name),  # type: ignore[arg-type]
        content_type=message.content_type,  # type: ignore[arg-type]
        text=message.text,
        payload=message.payload,
        private=message.private,
        created_at=message.created_at,
    )


def conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        status=conversation.status,
        contact_id=conversation.contact_id,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
        priority=conversation.priority,
        last_seq=conversation.last_seq,
        visitor_read_seq=conversation.visitor_read_seq,
        agent_read_seq=conversation.agent_read_seq,
        handoff_reason=conversation.handoff_reason,
        queued_at=conversation.queued_at,
        created_at=conversation.created_at,
    )


def contact_summary(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "identity_verified": contact.identity_verified,
        "customer_id": contact.customer_id if contact.identity_verified else None,
    }


def agent_info(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "email": agent.email,
        "role": agent.role,
        "max_concurrent": agent.max_concurrent,
        "teams": [{"id": t.id, "name": t.name} for t in agent.teams],
    }


def may_see(agent: Agent, conversation: Conversation | ConversationOut) -> bool:
    """Agents see their teams' conversations, unassigned-team ones and their own; admins all."""
    if (
        agent.role == "admin"
        or conversation.assignee_id == agent.id
        or conversation.team_id is None
    ):
        return True
    return conversation.team_id in {team.id for team in agent.teams}
