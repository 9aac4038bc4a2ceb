"""Events one area announces and a higher area reacts to.

A lower area (volunteering) must not import a higher one (training): it sends a signal
here, and the higher area connects its receiver when its package is imported. Receivers
run at once, inside the sender's transaction, so a refusal there undoes the whole change.
"""

from blinker import Namespace

_signals = Namespace()

# Sent by volunteering once an application is approved and its commitment is flushed.
# Sender: the new Commitment (waiting for training). Training receives it to activate
# the commitment at once when the person's training for that role is already done.
commitment_approved = _signals.signal("commitment-approved")

# Sent by matching when a match starts (both accepted) and when an active match ends
# (completed, ended early, closed with its request). Sender: the Match. Check-ins receive
# them to open the newcomer's and the volunteer's check-ins at once (the reminders
# command opens any that were missed); reports checks the year's milestones when a match
# starts.
match_started = _signals.signal("match-started")
match_ended = _signals.signal("match-ended")
