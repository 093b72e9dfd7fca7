package reference

import (
	"fmt"
	"slices"
	"strings"
)

// Combined is one period's trade classified from rows at one or more HS
// levels, each dollar counted once.
type Combined struct {
	// Cents by category: the goods categories, Uncovered and Ambiguous.
	Cents map[Category]int64
	// SubCents by covered sub-category ("agriculture/Cereals").
	SubCents map[string]int64
	// Levels are the HS levels (digit counts) present, ascending.
	Levels []int
	// AmbiguousCodes are the codes whose (residual) value went to
	// Ambiguous, ascending, for messages.
	AmbiguousCodes []string
	// Overlaps lists coarse codes whose finer rows add up to more than
	// the coarse figure (two vintages mixed); the finer rows were used.
	Overlaps []string
}

// Combine classifies one period's trade given as HS code → value in cents,
// where codes may be of several lengths (HS6 for most goods, HS10 under
// the headings the Annex defines below HS6; or an HS2 total beside its HS6
// detail). A dollar is counted once: each code is counted by its finer
// rows, and only its residual (its own value minus the rows directly under
// it) is classified at its own level. So HS6 271012 with its HS10 detail
// is naphtha (energy) and other light oils (uncovered), with nothing left
// ambiguous when the detail adds up. When the finer rows add up to more
// than the code itself (vintages mixed) the finer rows win and the code is
// listed in Overlaps. It fails only on a code that is not digits.
func (c *Classifier) Combine(values map[string]int64) (*Combined, error) {
	codes := make([]string, 0, len(values))
	for k := range values {
		if !digits(k) {
			return nil, fmt.Errorf("combine hs code %q: not a string of digits", k)
		}
		codes = append(codes, k)
	}
	slices.Sort(codes)
	out := &Combined{Cents: map[Category]int64{}, SubCents: map[string]int64{}}
	// The nearest present ancestor of a code is the longest proper prefix
	// present; sorted order puts it before the code.
	under := map[string]int64{} // code → sum of the values of its direct finer rows
	levels := map[int]bool{}
	for _, k := range codes {
		levels[len(k)] = true
		for n := len(k) - 1; n > 0; n-- {
			if _, ok := values[k[:n]]; ok {
				under[k[:n]] += values[k]
				break
			}
		}
	}
	for _, k := range codes {
		residual := values[k] - under[k]
		if residual < 0 {
			out.Overlaps = append(out.Overlaps, k)
			continue
		}
		if residual == 0 {
			continue
		}
		cl, err := c.Classify(k)
		if err != nil {
			return nil, err
		}
		out.Cents[cl.Category] += residual
		if cl.Coverage == Covered {
			out.SubCents[string(cl.Category)+"/"+cl.Subcategory] += residual
		}
		if cl.Category == Ambiguous {
			out.AmbiguousCodes = append(out.AmbiguousCodes, k)
		}
	}
	for l := range levels {
		out.Levels = append(out.Levels, l)
	}
	slices.Sort(out.Levels)
	return out, nil
}

// LevelNames formats levels as "HS6+HS10".
func LevelNames(levels []int) string {
	s := make([]string, len(levels))
	for i, l := range levels {
		s[i] = fmt.Sprintf("HS%d", l)
	}
	return strings.Join(s, "+")
}
