package main

import (
	"context"
	"os"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// spoolPatterns are the names the engine gives its spool files and
// directories (pipeline: fetch-*, input-*, history-*; parquetfile:
// spool-*.parquet). Only these are swept, since the spool directory may be
// the system's temp directory.
var spoolPatterns = []string{"fetch-*", "input-*", "history-*", "spool-*.parquet"}

// sweepLeftovers removes what killed runs left (lake.Sweep); a failure is
// logged, not fatal: leftovers cost space, not correctness.
func sweepLeftovers(ctx context.Context, a *app) {
	spool := a.cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	swept, err := lake.Sweep(ctx, a.lake, spool, spoolPatterns, lake.DefaultLeftoverAge, time.Now())
	if err != nil {
		a.logger.Warn("sweeping leftovers of earlier runs", "err", err)
	}
	if swept.Spool+swept.Lake > 0 {
		a.logger.Info("removed leftovers of earlier runs", "spool", swept.Spool, "lake", swept.Lake, "older_than", lake.DefaultLeftoverAge)
	}
}
