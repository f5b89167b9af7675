# The production image: gunicorn serves the portal, whitenoise its static files.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY accountability ./accountability
COPY deadlines ./deadlines
COPY intake ./intake
COPY sanctions ./sanctions
COPY outages ./outages
COPY oversight ./oversight
RUN pip install --no-cache-dir .

COPY . .
# Collecting static files needs settings to load; this key exists only at build time.
RUN SECRET_KEY=build-only-key-not-used-at-run-time-000000 python manage.py collectstatic --noinput

RUN useradd --system --home /app portal && mkdir -p /exports /media && chown -R portal /app /exports /media
USER portal
EXPOSE 8000
CMD ["gunicorn", "accountability.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
