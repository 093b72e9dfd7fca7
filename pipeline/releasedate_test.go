package pipeline

import (
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// An input's release date: a released= segment of its key, else the job's
// ReleaseDate, else when it was dropped.
func TestReleaseDate(t *testing.T) {
	dropped := time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC)
	named := &Job{ReleaseDate: civil.Date{Year: 2020, Month: 6, Day: 4}}
	for _, tc := range []struct {
		job  *Job
		key  string
		want time.Time
	}{
		{&Job{}, "exports-2020-04.json", dropped},
		{named, "exports-2020-04.json", time.Date(2020, 6, 4, 0, 0, 0, 0, time.UTC)},
		{named, "released=2020-07-06/exports-2020-04.json", time.Date(2020, 7, 6, 0, 0, 0, 0, time.UTC)},
		{&Job{}, "census/released=2020-07-06/exports-2020-04.json", time.Date(2020, 7, 6, 0, 0, 0, 0, time.UTC)},
		{&Job{}, "released=soon/exports-2020-04.json", dropped},
		{&Job{}, "/abs/path/released=2019-12-31/x.xlsx", time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)},
	} {
		if got := releaseDate(tc.job, tc.key, dropped); !got.Equal(tc.want) {
			t.Errorf("releaseDate(%+v, %q) = %s, want %s", tc.job.ReleaseDate, tc.key, got, tc.want)
		}
	}
}
