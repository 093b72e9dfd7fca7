package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Annotate replaces the warnings of group name in partition dir that start
// with prefix by warnings (each should start with prefix too), leaving the
// data files and the other warnings alone. It commits only when the warnings change, so checks that run again with the same
// outcome write nothing. The new warnings are a commit of their own (same
// data files). It reports whether the manifest was rewritten.
// Missing partitions or groups are not annotated (false, nil). ctx bounds
// the lake calls; errors are the lake's. The caller holds the partition's
// lock, as for Publish.
func (p *Publisher) Annotate(ctx context.Context, dir, name, prefix string, warnings []string) (bool, error) {
	m, top, err := p.head(ctx, dir)
	if err != nil || m == nil {
		return false, err
	}
	g := m.Group(name)
	if g == nil {
		return false, nil
	}
	var next []string
	for _, w := range g.Warnings {
		if !strings.HasPrefix(w, prefix) {
			next = append(next, w)
		}
	}
	next = append(next, warnings...)
	if slices.Equal(next, g.Warnings) {
		return false, nil
	}
	g.Warnings = next
	m.PublishedAt = p.now()
	if _, err := p.commit(ctx, m, top, m.clone(), nil); err != nil {
		return false, fmt.Errorf("annotate %s: %w", dir, err)
	}
	return true, nil
}
