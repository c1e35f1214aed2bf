// Registers the train and eval tasks for MetaCfg's `train` and `eval` cases.
// Linked as an object file into each binary so the registrations are kept.
#include "runners/tasks.h"

HEYHI_TASK(train, TrainTask, runners::RunTraining);
HEYHI_TASK(eval, EvalTask, runners::RunEvaluation);
