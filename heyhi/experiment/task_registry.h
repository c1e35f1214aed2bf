// The table of task functions that HEYHI_TASK fills (heyhi/task.h).
#ifndef HEYHI_EXPERIMENT_TASK_REGISTRY_H_
#define HEYHI_EXPERIMENT_TASK_REGISTRY_H_

#include <map>
#include <string>

#include "heyhi/task.h"

namespace heyhi {

struct RegisteredTask {
  std::string case_name;  // the MetaCfg.task case, e.g. "train"
  std::string type_name;  // full name of the task message type
  TaskFunction function;
};

// The registered task for `case_name`, or null.
const RegisteredTask* FindTask(const std::string& case_name);

// All registered tasks by case name.
const std::map<std::string, RegisteredTask>& RegisteredTasks();

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_TASK_REGISTRY_H_
