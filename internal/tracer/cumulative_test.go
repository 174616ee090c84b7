package tracer

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCumulative(t *testing.T) {
	var c Cumulative
	_, known := c.Next(100, true)
	require.False(t, known, "the first reading is only a baseline")
	g, known := c.Next(130, true)
	require.True(t, known)
	require.Equal(t, uint64(30), g)

	// A failed read must not become a zero baseline: the window after it
	// would report everything since load.
	_, known = c.Next(0, false)
	require.False(t, known)
	_, known = c.Next(1000, true)
	require.False(t, known, "no spike after a failed read")
	g, known = c.Next(1010, true)
	require.True(t, known)
	require.Equal(t, uint64(10), g)

	g, _ = c.Next(4, true)
	require.Equal(t, uint64(4), g, "reset: counts from zero")
	c = Cumulative{last: math.MaxUint64 - 1, have: true}
	g, _ = c.Next(math.MaxUint64, true)
	require.Equal(t, uint64(1), g)
}
