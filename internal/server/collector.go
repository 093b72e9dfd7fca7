package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradepipe/tradepipe/pipeline"
)

// JobsCollector exports, at each scrape, the counts status and
// GET /api/v1/jobs show (Jobs): partitions by state, and the rows and
// quarantined rows the lake holds, per job. The counters the engine keeps
// (tradepipe_rows_written_total, …) count what this process did; these
// gauges are what the lake holds, the same for every process.
type JobsCollector struct {
	exec       *pipeline.Executor
	partitions *prometheus.Desc
	rows       *prometheus.Desc
	quarantine *prometheus.Desc
	errors     *prometheus.Desc
}

// NewJobsCollector returns the collector over exec's jobs.
func NewJobsCollector(exec *pipeline.Executor) *JobsCollector {
	return &JobsCollector{
		exec:       exec,
		partitions: prometheus.NewDesc("tradepipe_lake_partitions", "Partitions of the job by ledger state (as status counts them).", []string{"job", "state"}, nil),
		rows:       prometheus.NewDesc("tradepipe_lake_rows", "Rows the lake holds for the job.", []string{"job"}, nil),
		quarantine: prometheus.NewDesc("tradepipe_lake_quarantined_rows", "Quarantined rows the lake holds for the job.", []string{"job"}, nil),
		errors:     prometheus.NewDesc("tradepipe_lake_read_errors", "1 when the last scrape could not read the lake's counts.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *JobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.partitions
	ch <- c.rows
	ch <- c.quarantine
	ch <- c.errors
}

// Collect implements prometheus.Collector; a scrape reads the ledger and
// the manifests, for at most 20 seconds.
func (c *JobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	jobs, err := Jobs(ctx, c.exec, time.Now())
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, 0)
	for _, j := range jobs {
		for st, n := range j.Counts {
			ch <- prometheus.MustNewConstMetric(c.partitions, prometheus.GaugeValue, float64(n), j.Name, st)
		}
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(j.Rows), j.Name)
		ch <- prometheus.MustNewConstMetric(c.quarantine, prometheus.GaugeValue, float64(j.Quarant), j.Name)
	}
}
