# Production image: web (gunicorn), Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core chromium gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 COLLECTSTATIC=1 SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && python manage.py compilemessages --ignore=.venv

RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "bhxh_dashboard.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
