"""Quality: the GX suites and where they run, the quarantine, the validation report (the stage
between ingest and publish; the Dagster asset checks that run them are in orchestration/checks/)."""
