"""Set up Superset's metadata database in one process: what ``superset db upgrade``, ``superset
init`` and ``superset fab create-admin`` (or ``fab reset-password``) do, with the app loaded once
instead of three times, and the admin's password read from the environment (never a command-line
argument, which ``ps`` shows).

Run by Superset's own venv (``softcart.stack.superset``), never imported by softcart:

    SOFTCART_SUPERSET_UPGRADE=1 SOFTCART_SUPERSET_ADMIN_USER=admin SOFTCART_SUPERSET_ADMIN_PASSWORD=...
        .venv-superset/bin/python softcart/dashboards/superset/setup_metadata.py
"""

import os
import sys


def main() -> int:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade
        from superset.extensions import appbuilder, db, security_manager

        if os.environ.get("SOFTCART_SUPERSET_UPGRADE") == "1":
            upgrade()  # the migrations folder Superset registers (superset db upgrade)
            appbuilder.add_permissions(update_perms=True)  # superset init
            security_manager.sync_role_definitions()
            db.session.commit()
        user = os.environ["SOFTCART_SUPERSET_ADMIN_USER"]
        password = os.environ["SOFTCART_SUPERSET_ADMIN_PASSWORD"]
        existing = security_manager.find_user(username=user)
        if existing is None:
            admin = security_manager.find_role("Admin")
            created = security_manager.add_user(
                user, "SoftCart", "Admin", "admin@softcart.invalid", admin, password=password
            )
            if not created:
                print(f"could not create the admin user {user}", file=sys.stderr)
                return 1
        else:
            security_manager.reset_password(existing.id, password)
        db.session.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
