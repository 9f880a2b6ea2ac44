/**
 * Drift statistics in plain Java, numerically equal to numpy and scipy: numpy's linear quantiles,
 * decile binning, the population stability index, Jensen-Shannon distance, the two-sample
 * Kolmogorov-Smirnov test with scipy's exact and asymptotic p-values, the Wasserstein distance, the
 * chi-square test of a 2-by-k contingency table, L-infinity, and Bonferroni and Benjamini-Hochberg
 * corrections.
 *
 * <p>Pure functions over primitive arrays: no I/O, no Kubernetes, no boxing in the kernels. Every
 * class names the numpy or scipy function it reproduces and how far the two may differ.
 */
package dev.ferry.stats;
