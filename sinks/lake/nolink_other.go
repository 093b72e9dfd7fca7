//go:build !linux

package lake

// walkResult is what noLinkOnTheWay found out about a path.
type walkResult int

const (
	walkUnknown walkResult = iota // take confined's lstat walk
	walkNoLink                    // no link on the way, up to the first missing component
	walkLink                      // a link on the way (or p itself is one)
)

// noLinkOnTheWay has no one-call answer here: confined takes its walk.
func (d *Dir) noLinkOnTheWay(string) walkResult { return walkUnknown }
