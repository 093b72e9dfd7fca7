package reference

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// census_schedule_c.csv: U.S. Census Bureau, Schedule C — Classification of
// Country and Territory Designations for U.S. Foreign Trade Statistics
// (Code, Name, ISO_Code).
//
//go:embed census_schedule_c.csv
var scheduleCCSV string

// Country is one Schedule C entry.
type Country struct {
	Code string // four-digit Schedule C code, e.g. "5700"
	Name string
	ISO2 string
}

var scheduleC = sync.OnceValues(func() (map[string]Country, error) {
	rows, err := csv.NewReader(strings.NewReader(scheduleCCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded schedule C: %w", err)
	}
	out := make(map[string]Country, len(rows))
	for _, r := range rows[1:] {
		out[r[0]] = Country{Code: r[0], Name: r[1], ISO2: r[2]}
	}
	return out, nil
})

// ScheduleC returns the country with Schedule C code code.
func ScheduleC(code string) (Country, bool) {
	m, err := scheduleC()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	c, ok := m[code]
	return c, ok && c.ISO2 != ""
}

// PartnerOverlap names a partner that two partner sets share, or "" when
// they are disjoint. A set is ISO codes; nil is every partner, and two
// sets of which one is every partner share "all" when both are, else the
// other's first code. Config validation and the commit both ask it, so a
// clash found in one config and one found in the lake read the same.
func PartnerOverlap(a, b []string) string {
	switch {
	case a == nil && b == nil:
		return "all"
	case a == nil && len(b) > 0:
		return b[0]
	case b == nil && len(a) > 0:
		return a[0]
	}
	for _, p := range a {
		if slices.Contains(b, p) {
			return p
		}
	}
	return ""
}
