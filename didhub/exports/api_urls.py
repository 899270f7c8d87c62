"""Export routes (streaming CSV, XLSX, PDF); they come before /numbers/<e164>/."""

urlpatterns = []
