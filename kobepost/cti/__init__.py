"""The phone system (PBX) and the desk: call events, screen pop, call journal (issue 23).

The PBX posts call events to ``/cti/pbx/events/`` (views.pbx_events); each event is one
small transaction that updates the call's journal row (services.call_event_record). The
operator's page asks ``/cti/pop/`` once a second for the call ringing at their seat
(views.pop): gunicorn's sync workers cannot hold one open connection per operator, and a
poll that finds nothing new costs one indexed query.
"""
