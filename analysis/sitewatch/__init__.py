"""Site watch: impersonation scores from site evidence, own-site integrity findings, referral sheets (pure)."""
