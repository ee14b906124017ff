"""The service hall: QR spots and their scans, posters, the query terminals' kiosk pages."""
