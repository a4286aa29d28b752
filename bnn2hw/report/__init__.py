"""The build report (BUILD/report.md, BUILD/report.html with SVG plots)."""

from bnn2hw.report.collect import collect, record_verification, write_report

__all__ = ["collect", "record_verification", "write_report"]
