"""Deployment: ``bnn2hw deploy BUILD --board NAME`` writes BUILD/deploy/<board>/, the Vivado
flow (Zynq boards) or the Vitis link configuration (Alveo cards) for a compiled build."""

from bnn2hw.deploy.vivado import DeployPlan, deploy_files, plan_deploy, write_deploy

__all__ = ["DeployPlan", "deploy_files", "plan_deploy", "write_deploy"]
