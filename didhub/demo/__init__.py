"""The demo: a believable inventory, its logins, and a calling platform inside didhub.

The top floor of the house: it builds its data through the services of every other app
and nothing imports it. ``didhub demo`` loads it (``didhub.demo.builder``), and the
receiver of its platform links (``didhub.demo.receiver``) answers only for links the demo
created, so an installation without the demo serves nothing under ``/demo/``.
"""
