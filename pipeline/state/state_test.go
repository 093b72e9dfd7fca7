package state_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lease"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

type counter struct {
	N       int            `json:"n"`
	Writers map[string]int `json:"writers"`
}

// Writers that race on one record each apply every update to the latest
// version: none is lost (last-writer-wins lost most of them).
func testUpdateLosesNothing(t *testing.T, l lake.Conditional) {
	ctx := context.Background()
	st := state.New(l)
	key := state.LedgerKey("job", civil.Month{Year: 2020, Month: 4})
	const writers, each = 4, 15
	var wg sync.WaitGroup
	names := []string{"daemon-a", "daemon-b", "ingest", "api"}
	for w := range writers {
		wg.Go(func() {
			for range each {
				if _, err := state.Update(ctx, st, key, func(c *counter, _ bool) error {
					c.N++
					if c.Writers == nil {
						c.Writers = map[string]int{}
					}
					c.Writers[names[w]]++
					return nil
				}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var got counter
	if _, err := st.Get(ctx, key, &got); err != nil {
		t.Fatal(err)
	}
	if got.N != writers*each {
		t.Fatalf("%d updates recorded, want %d", got.N, writers*each)
	}
	for _, n := range names {
		if got.Writers[n] != each {
			t.Errorf("writer %s: %d updates recorded, want %d", n, got.Writers[n], each)
		}
	}
}

func TestUpdateLosesNothingDir(t *testing.T) {
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testUpdateLosesNothing(t, l)
}

func TestUpdateLosesNothingS3(t *testing.T) { testUpdateLosesNothing(t, s3test.New(t, nil)) }

// The lease package's default prefix is this layout's.
func TestLeasePrefixIsTheLayouts(t *testing.T) {
	if lease.DefaultPrefix != state.LeasePrefix {
		t.Fatalf("lease.DefaultPrefix %q, state.LeasePrefix %q", lease.DefaultPrefix, state.LeasePrefix)
	}
}

// Every key of the layout is under the versioned root.
func TestKeysAreVersioned(t *testing.T) {
	m := civil.Month{Year: 2020, Month: 4}
	for _, k := range []string{
		state.LedgerKey("j", m), state.WatermarkKey("j"), state.BackfillKey("id"), state.FetchKey("j", m),
		state.ReconcileKey("gacc", "import", m), state.InputKey("j", "sha"), state.LocationKey("j", "h"),
		state.LeasePrefix, state.BackfillPrefix, state.ReconcilePrefix,
	} {
		if len(k) < len(state.Root) || k[:len(state.Root)] != state.Root {
			t.Errorf("key %q is not under %s", k, state.Root)
		}
	}
}
