package pipeline

import (
	"hash/fnv"
	"time"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/robfig/cron/v3"
)

// Clock returns the current time; tests inject a fixed or stepped one.
type Clock func() time.Time

// Policy is how the scheduler treats a job.
type Policy struct {
	// Schedule is nil for jobs that run only when asked or after
	// upstream jobs.
	Schedule cron.Schedule
	Spec     string
	// CatchupWindow: ticks missed longer ago are not caught up; 0 means one
	// schedule interval; negative disables catch-up.
	CatchupWindow time.Duration
	Overlap       string // "skip" or "queue"
	Jitter        time.Duration
	MaxAttempts   int
	RetryBackoff  time.Duration
	After         []string // upstream jobs
	RateLimit     float64  // backfill requests per second to the source
}

// WallClock wraps a cron schedule so that it follows the wall clock of its
// time zone across DST changes, once per wall-clock time:
//
//   - spring forward: a time inside the skipped hour (02:30 in
//     America/New_York on the second Sunday of March) fires at the end of
//     the gap (03:00 EDT) instead of being skipped for the day, which is
//     what robfig/cron does on its own;
//   - fall back: a time inside the repeated hour (01:30) fires once, at its
//     first occurrence (EDT), where robfig/cron fires twice.
//
// Constant-delay schedules (@every) measure real time and are returned as
// they are.
func WallClock(s cron.Schedule) cron.Schedule {
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return s
	}
	utc := *spec
	utc.Location = time.UTC
	return wallClock{wall: &utc, loc: spec.Location}
}

type wallClock struct {
	wall *cron.SpecSchedule // the spec evaluated on wall-clock times
	loc  *time.Location
}

// toWall returns t's wall-clock reading in loc as a UTC time.
func toWall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// Next implements cron.Schedule.
func (w wallClock) Next(t time.Time) time.Time {
	nw := toWall(t, w.loc)
	for i := 0; i < 1000; i++ { // bounded: a spec has a next time within years
		nw = w.wall.Next(nw)
		if nw.IsZero() {
			return time.Time{}
		}
		if at := w.instant(nw); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// instant returns the first instant whose wall clock in loc reads nw, or,
// when nw falls in a DST gap, the first instant after the gap.
func (w wallClock) instant(nw time.Time) time.Time {
	at := time.Date(nw.Year(), nw.Month(), nw.Day(), nw.Hour(), nw.Minute(), nw.Second(), 0, w.loc)
	if toWall(at, w.loc).Equal(nw) {
		// In a repeated hour the earlier reading may be an hour before.
		if earlier := at.Add(-time.Hour); toWall(earlier, w.loc).Equal(nw) {
			return earlier
		}
		return at
	}
	// A gap. time.Date resolved nw to an instant on one side of it; move to
	// the first instant whose wall clock is at or past nw.
	x := at.Truncate(time.Minute)
	for k := 0; k < 180 && toWall(x, w.loc).Before(nw); k++ {
		x = x.Add(time.Minute)
	}
	for k := 0; k < 180 && !toWall(x.Add(-time.Minute), w.loc).Before(nw); k++ {
		x = x.Add(-time.Minute)
	}
	return x
}

// JitterFor is a job's fixed delay within [0, max): the same every tick,
// different across jobs, so runs are predictable and spread.
func JitterFor(job string, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(job))
	return time.Duration(h.Sum64() % uint64(max))
}

// NextFire returns the next schedule tick whose jittered fire time is after
// now, and that fire time.
func NextFire(s cron.Schedule, jitter time.Duration, now time.Time) (tick, fire time.Time) {
	tick = s.Next(now.Add(-jitter))
	return tick, tick.Add(jitter)
}

// CatchUp says what to do about ticks missed while the daemon was down:
// the ticks after watermark up to now that fall within window, run once
// (fire) if there is any. missed counts them (capped at maxMissed);
// latest is the newest, which becomes the watermark. A zero watermark (the
// job was never scheduled) catches nothing up.
func CatchUp(s cron.Schedule, watermark, now time.Time, window time.Duration) (fire bool, missed int, latest time.Time) {
	const maxMissed = 10000
	if watermark.IsZero() || window < 0 {
		return false, 0, time.Time{}
	}
	for t := s.Next(watermark); !t.IsZero() && !t.After(now) && missed < maxMissed; t = s.Next(t) {
		missed++
		latest = t
	}
	if missed == 0 {
		return false, 0, time.Time{}
	}
	if window == 0 {
		window = s.Next(latest).Sub(latest) // one schedule interval
	}
	return now.Sub(latest) <= window, missed, latest
}

// RetryDelay is the wait before retry number attempt (1-based): an
// exponential window capped at max, with full jitter from rnd in [0, 1).
func RetryDelay(attempt int, base, max time.Duration, rnd float64) time.Duration {
	return retry.Backoff(attempt, base, max, func(w time.Duration) time.Duration { return time.Duration(float64(w) * rnd) })
}
