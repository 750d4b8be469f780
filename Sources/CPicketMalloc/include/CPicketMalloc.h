// Nothing to call: linking this target sets Picket's malloc policy before main (see malloc_policy.c).
