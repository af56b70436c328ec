"""PDF reports (LKE sheet, Laporan Hasil Evaluasi, recap), stored renderings and bulk exports."""
