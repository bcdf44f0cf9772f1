"""The three roles, as Django groups (created by migration 0002)."""

HR = "HR"
LEADER = "Leder"
REPRESENTATIVE = "Tillitsvalgt"

ALL_ROLES = (HR, LEADER, REPRESENTATIVE)
