package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// Shard is one of Count shares of a backfill's months, the share of one
// process: a pod of a Kubernetes Indexed Job takes Index from
// JOB_COMPLETION_INDEX. The zero value is the whole range (no sharding).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// MaxShards bounds Shard.Count: more shards than months in 100 years
// would only make empty pods.
const MaxShards = 1200

// Sharded reports whether s splits the range at all.
func (s Shard) Sharded() bool { return s.Count > 1 }

// String is "I/N", the form ParseShard reads.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Valid reports why s cannot be used, or nil.
func (s Shard) Valid() error {
	switch {
	case s.Count == 0 && s.Index == 0:
		return nil
	case s.Count < 1 || s.Count > MaxShards:
		return fmt.Errorf("shard count %d is not between 1 and %d", s.Count, MaxShards)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("shard index %d is not between 0 and %d", s.Index, s.Count-1)
	}
	return nil
}

// ParseShard reads "I/N": shard I (counted from 0, as
// JOB_COMPLETION_INDEX is) of N.
func ParseShard(v string) (Shard, error) {
	i, n, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT, e.g. 0/3", v)
	}
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT, e.g. 0/3", v)
	}
	s := Shard{Index: idx, Count: cnt}
	if err := s.Valid(); err != nil || cnt == 0 {
		if err == nil {
			err = fmt.Errorf("shard count 0 is not between 1 and %d", MaxShards)
		}
		return Shard{}, fmt.Errorf("shard %q: %w", v, err)
	}
	return s, nil
}

// ShardMonths returns the months of months that shard s takes, in order:
// the k-th month (from 0) goes to shard k mod Count. Every month is in
// exactly one shard, shard sizes differ by at most one, and the answer
// depends on nothing but the arguments, so N processes given the same
// range and 0..N-1 split it without talking to each other. Dealing months
// round-robin rather than in blocks spreads the years (whose sizes grow)
// over all shards. An unsharded s takes every month.
func ShardMonths(months []civil.Month, s Shard) []civil.Month {
	if !s.Sharded() {
		return months
	}
	var out []civil.Month
	for k := s.Index; k < len(months); k += s.Count {
		out = append(out, months[k])
	}
	return out
}

// shardBackfillID is the id of a shard's backfill: derived from the job,
// the range and the shard, so that every run of one shard (a pod the
// Indexed Job restarts, a re-run after a kill) continues one record rather
// than leaving abandoned "running" ones behind. name, when set, stands for
// the range: a Kubernetes Job's name, so a new Job is a new backfill.
func shardBackfillID(job, name string, from, to civil.Month, s Shard) string {
	base := name
	if base == "" {
		base = job + "-" + from.String() + "-" + to.String()
	}
	base = strings.Trim(unsafeRE.ReplaceAllString(strings.ReplaceAll(base, ".", "_"), "_"), "_")
	return fmt.Sprintf("bf-%s-shard-%d-of-%d", base, s.Index, s.Count)
}
