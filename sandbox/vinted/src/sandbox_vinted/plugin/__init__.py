"""A stand-in for the browser plugin: pairs, connects to relay-service and runs jobs against "Vinted".

It behaves as ``contracts/relay/README.md`` asks a real extension to: hello, heartbeats, acks, a journal of
finished jobs (a redelivered job is answered from it), results resent until acked. By concern: ``client``
(the socket), ``jobs`` (each kind's handler, on the contract's models), ``tab`` (Vinted calls), ``state``
(journal, unacked results, switches), ``cli`` (the ``sandbox-vinted-plugin`` command).
"""

from sandbox_vinted.plugin.cli import main, pair_demo_seller, status_app
from sandbox_vinted.plugin.client import PluginStandIn, relay_error
from sandbox_vinted.plugin.jobs import JobRunner
from sandbox_vinted.plugin.state import Journal, PluginState, Switches
from sandbox_vinted.plugin.tab import VintedFailure, VintedTab

__all__ = [
    "JobRunner",
    "Journal",
    "PluginStandIn",
    "PluginState",
    "Switches",
    "VintedFailure",
    "VintedTab",
    "main",
    "pair_demo_seller",
    "relay_error",
    "status_app",
]
