export async function greet(name: string): Promise<string> { return `hello ${name} from ${process.pid}`; }
export function createActivities() { return { greet }; }
