package pipeline

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	partitions  *prometheus.CounterVec
	rows        *prometheus.CounterVec
	quarantined *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		partitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradepipe_partitions_total", Help: "Partitions processed, by job and outcome.",
		}, []string{"job", "status"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradepipe_rows_written_total", Help: "Rows published, by job.",
		}, []string{"job"}),
		quarantined: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradepipe_rows_quarantined_total", Help: "Rows sent to quarantine, by job.",
		}, []string{"job"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.partitions, m.rows, m.quarantined} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// record counts results in the metrics and returns them.
func (r *Runner) record(job *Job, rs []Result) []Result {
	for _, res := range rs {
		r.metrics.partitions.WithLabelValues(job.Name, string(res.Status)).Inc()
		if res.Status == StatusWritten {
			r.metrics.rows.WithLabelValues(job.Name).Add(float64(res.Rows))
			r.metrics.quarantined.WithLabelValues(job.Name).Add(float64(res.Quarantined))
		}
	}
	return rs
}
