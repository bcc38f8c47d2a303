"""Working time (工作时间): the official working calendar, working hours and the time limits.

Below tickets, directory and escalation: the pure clock (``clock``) and limits (``limits``),
the database-backed calendar and hours (``calendar``, ``models``), and which limit of a part matters now
(``steps``). Nothing here imports a
package above it.
"""
