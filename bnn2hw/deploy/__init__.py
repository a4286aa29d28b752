"""Deployment: ``bnn2hw deploy BUILD --board NAME`` writes BUILD/deploy/<board>/, the Vivado
flow (Zynq boards: bnn2hw.deploy.vivado) or the Vitis flow (Alveo cards: bnn2hw.deploy.alveo)
for a compiled build, and its host driver (bnn2hw.deploy.driver_pkg), after the fit check
(bnn2hw.deploy.fit)."""

from bnn2hw.deploy.vivado import DeployPlan, deploy_files, plan_deploy, write_deploy

__all__ = ["DeployPlan", "deploy_files", "plan_deploy", "write_deploy"]
