from django.apps import AppConfig


class TargetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "targets"

    def ready(self) -> None:
        # The entry pages warn before the session ends: note its end at each sign-in.
        from django.contrib.auth.signals import user_logged_in

        from bhxh_dashboard.sessions import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="bhxh_session_ends_at")
