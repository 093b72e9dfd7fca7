package pipeline

import (
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/config"
)

func mustSchedule(t *testing.T, spec string) Policy {
	t.Helper()
	s, err := config.ParseSchedule(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Policy{Schedule: WallClock(s), Spec: spec}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// DST in America/New_York, 2026: clocks spring forward 2026-03-08 02:00 EST
// → 03:00 EDT and fall back 2026-11-01 02:00 EDT → 01:00 EST.
func TestWallClockDST(t *testing.T) {
	for _, tc := range []struct {
		name, spec, from string
		want             []string
	}{
		{"normal day", "CRON_TZ=America/New_York 30 8 * * *", "2026-06-01T00:00:00Z",
			[]string{"2026-06-01T12:30:00Z", "2026-06-02T12:30:00Z"}},
		{"spring forward: 02:30 does not exist, runs at 03:00 EDT", "CRON_TZ=America/New_York 30 2 * * *", "2026-03-07T12:00:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
		{"spring forward: 01:30 EST is unaffected", "CRON_TZ=America/New_York 30 1 * * *", "2026-03-07T12:00:00Z",
			[]string{"2026-03-08T06:30:00Z", "2026-03-09T05:30:00Z"}},
		{"fall back: 01:30 happens twice, runs once (EDT)", "CRON_TZ=America/New_York 30 1 * * *", "2026-10-31T12:00:00Z",
			[]string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"fall back: 02:30 runs once, EST", "CRON_TZ=America/New_York 30 2 * * *", "2026-10-31T12:00:00Z",
			[]string{"2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"}},
		{"fall back: hourly skips the repeated 01:00", "CRON_TZ=America/New_York 0 * * * *", "2026-11-01T04:30:00Z",
			[]string{"2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"}},
		{"UTC by default", "0 3 * * *", "2026-03-08T00:00:00Z",
			[]string{"2026-03-08T03:00:00Z", "2026-03-09T03:00:00Z"}},
		{"@every is real time across DST", "@every 1h", "2026-11-01T05:00:00Z",
			[]string{"2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSchedule(t, tc.spec).Schedule
			at := utc(tc.from)
			for _, w := range tc.want {
				at = s.Next(at)
				if !at.Equal(utc(w)) {
					t.Fatalf("next = %s, want %s", at.UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestJitterFor(t *testing.T) {
	if JitterFor("a", 0) != 0 {
		t.Error("no jitter configured must be zero")
	}
	a1, a2, b := JitterFor("census-exports", time.Minute), JitterFor("census-exports", time.Minute), JitterFor("gacc-imports", time.Minute)
	if a1 != a2 {
		t.Errorf("jitter not deterministic: %v vs %v", a1, a2)
	}
	if a1 == b {
		t.Errorf("two jobs got the same jitter %v", a1)
	}
	if a1 < 0 || a1 >= time.Minute {
		t.Errorf("jitter %v outside [0, 1m)", a1)
	}
	s := mustSchedule(t, "0 * * * *").Schedule
	tick, fire := NextFire(s, 10*time.Minute, utc("2026-05-01T10:05:00Z"))
	if !tick.Equal(utc("2026-05-01T10:00:00Z")) || !fire.Equal(utc("2026-05-01T10:10:00Z")) {
		t.Errorf("NextFire = %v, %v: the 10:00 tick fires at 10:10 with 10m jitter", tick, fire)
	}
	tick, fire = NextFire(s, 10*time.Minute, utc("2026-05-01T10:15:00Z"))
	if !tick.Equal(utc("2026-05-01T11:00:00Z")) || !fire.Equal(utc("2026-05-01T11:10:00Z")) {
		t.Errorf("NextFire = %v, %v", tick, fire)
	}
}

func TestCatchUp(t *testing.T) {
	daily := mustSchedule(t, "30 8 * * *").Schedule
	for _, tc := range []struct {
		name       string
		watermark  string
		now        string
		window     time.Duration
		fire       bool
		missed     int
		wantLatest string
	}{
		{"first start", "", "2026-05-10T12:00:00Z", 0, false, 0, ""},
		{"nothing missed", "2026-05-10T08:30:00Z", "2026-05-10T12:00:00Z", 0, false, 0, ""},
		{"one missed, within one interval", "2026-05-09T08:30:00Z", "2026-05-10T12:00:00Z", 0, true, 1, "2026-05-10T08:30:00Z"},
		{"three days down: runs once", "2026-05-07T08:30:00Z", "2026-05-10T12:00:00Z", 0, true, 3, "2026-05-10T08:30:00Z"},
		{"latest missed older than the window", "2026-05-07T08:30:00Z", "2026-05-10T12:00:00Z", 2 * time.Hour, false, 3, "2026-05-10T08:30:00Z"},
		{"explicit long window", "2026-05-01T08:30:00Z", "2026-05-10T12:00:00Z", 72 * time.Hour, true, 9, "2026-05-10T08:30:00Z"},
		{"disabled", "2026-05-07T08:30:00Z", "2026-05-10T12:00:00Z", -1, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wm time.Time
			if tc.watermark != "" {
				wm = utc(tc.watermark)
			}
			fire, missed, latest := CatchUp(daily, wm, utc(tc.now), tc.window)
			if fire != tc.fire || missed != tc.missed {
				t.Errorf("fire %v missed %d, want %v %d", fire, missed, tc.fire, tc.missed)
			}
			if tc.wantLatest != "" && !latest.Equal(utc(tc.wantLatest)) {
				t.Errorf("latest = %v, want %s", latest, tc.wantLatest)
			}
		})
	}
	// A tick missed more than one interval ago, with the next one still
	// ahead: now - latest > interval is impossible for one interval, so
	// check an @every schedule where the daemon was down 10 intervals.
	every := mustSchedule(t, "@every 10m").Schedule
	fire, missed, _ := CatchUp(every, utc("2026-05-10T10:00:00Z"), utc("2026-05-10T11:45:00Z"), 0)
	if !fire || missed != 10 {
		t.Errorf("@every catch-up: fire %v missed %d, want true 10", fire, missed)
	}
}

func TestRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 1, 30 * time.Second},
		{2, 1, time.Minute},
		{3, 0.5, time.Minute},
		{10, 1, 16 * time.Minute},
		{10, 0, 0},
	} {
		if got := RetryDelay(tc.attempt, 30*time.Second, 16*time.Minute, tc.rnd); got != tc.want {
			t.Errorf("RetryDelay(%d, %v) = %v, want %v", tc.attempt, tc.rnd, got, tc.want)
		}
	}
}
