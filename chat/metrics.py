"""Prometheus metrics, one registry per hub so several apps can share a process (tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge(
            "touchpoint_connections", "Open websocket connections", ["role"], registry=self.registry
        )
        self.messages = Counter(
            "touchpoint_messages_total", "Messages stored", ["sender"], registry=self.registry
        )
        self.frame_errors = Counter(
            "touchpoint_frame_errors_total", "Error frames sent", ["code"], registry=self.registry
        )
        self.ack_latency = Histogram(
            "touchpoint_message_ack_seconds",
            "From receiving a message frame to sending its ack (includes the database commit)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.queue_length = Gauge(
            "touchpoint_queue_length", "Conversations waiting for an agent", registry=self.registry
        )
