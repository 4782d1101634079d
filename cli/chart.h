/*
 * chart.h - `vmbal chart [-c CONFIG | --scenario FILE | --demo] [--host H
 * | --vm V | --cluster | --service S] [--since 1h|1d|1w] [--size WxH] -o
 * FILE.png|FILE.svg`: a chart of the history (cli/chart_graph.h).
 */
#ifndef VMBAL_CHART_H
#define VMBAL_CHART_H

/* argv[1] is "chart". Exit status: 0 written, 1 failed (no history, the
 * file not written), 2 usage or a configuration refused. */
int chart_main(int argc, char **argv);

#endif
