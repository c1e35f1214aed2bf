// The `run` command of this repository: heyhi's Main with the train and eval
// tasks (registered in tasks.cc) linked in.
#include "conf.pb.h"
#include "heyhi/main.h"

int main(int argc, char** argv) { return heyhi::Main(argc, argv, MetaCfg::descriptor()); }
