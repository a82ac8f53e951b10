"""Ticket exports, synthetic tickets, and simulation of the criteria over them."""
