"""Tests of the Restate handlers and their stores."""
